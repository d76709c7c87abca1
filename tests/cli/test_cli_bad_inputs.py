"""Bad input, as a new user types it: one case for every (command × category) cell that applies.

Categories: a number that is not one, a list with an empty item, an unphysical mass or energy, a value
outside an enum, a negative seed, a missing path, an unwritable path, a file where a folder is expected,
a folder (or file) darkmiss did not write, a corrupted file, and a preset with an unknown key, a wrong
type or a missing table.

Every case must exit with code 2 and print exactly one line, ``darkmiss: error: …``, that names the
parameter and the value and says what is allowed; no traceback; and nothing may be written (the
working folder is compared file by file before and after, and the unwritable location stays absent).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

from darkmiss.cache import write_json_atomic
from darkmiss.cli.main import main
from darkmiss.config.load import available_presets
from darkmiss.events.io import write_events
from darkmiss.events.schema import empty_events

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interpret"))
from test_interpret_limits import make_analysis

PRESETS = Path(__file__).resolve().parents[2] / "src" / "darkmiss" / "config" / "presets"
#: A location nobody can write, not even root: a folder inside /proc (Linux).
UNWRITABLE = "/proc/darkmiss-test/out"
MISSING = "/nonexistent/darkmiss-test"

CATEGORIES = (
    "number",
    "list",
    "unphysical",
    "enum",
    "seed",
    "missing path",
    "unwritable path",
    "file for folder",
    "foreign",
    "corrupted",
    "preset unknown key",
    "preset wrong type",
    "preset missing table",
)
#: The cells of a preset option or argument.
PRESET_CATEGORIES = (
    "missing path",
    "foreign",
    "corrupted",
    "preset unknown key",
    "preset wrong type",
    "preset missing table",
)


class Case(NamedTuple):
    command: str
    category: str
    argv: tuple[str, ...]
    parameter: str  # must appear in the error line
    value: str  # must appear in the error line, before what is allowed


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """The files the cases point at, in one folder ({w} in the argv templates)."""
    w = tmp_path_factory.mktemp("bad-inputs")
    (w / "afile.txt").write_text("not a folder\n")
    (w / "foreign").mkdir()
    (w / "foreign" / "notes.txt").write_text("someone else's folder\n")
    (w / "foreign.json").write_text(json.dumps({"title": "someone else's JSON"}))
    # a valid darkmiss event folder (data mode) and a truncated copy of its file
    ev = empty_events(20)
    good = write_events(w / "events" / "run.root", ev, {"run": "I", "mode": "data", "eot": 1e9})
    (w / "trunc").mkdir()
    (w / "trunc" / "run.root").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    # analyses: a valid one, a malformed one, one of an unknown layout version
    write_json_atomic(w / "ana" / "analysis.json", make_analysis().to_dict())
    (w / "badana").mkdir()
    (w / "badana" / "analysis.json").write_text('{"schema_version": 2, "runs": [')
    future = make_analysis().to_dict() | {"schema_version": 99}
    write_json_atomic(w / "futureana" / "analysis.json", future)
    ys = [{"mass": 0.01, "yield_ww": 2e-5, "yield_etl": 1.8e-5, "yield_etl_direct": 1.7e-5}]
    (w / "yields.json").write_text(json.dumps(ys))
    (w / "badyields.json").write_text("[{")
    lim = {"schema_version": 1, "preset": "na64-2016", "cl": 0.9, "method": "exact", "nuisance": "integrate"}
    lim |= {"blinded": False, "runs": ["I"], "observed": [0], "records": [], "notes": [], "interpret": {}}
    (w / "limits.json").write_text(json.dumps(lim))
    (w / "badlimits.json").write_text('{"schema_version": 1, "records": [')
    (w / "futurelimits.json").write_text(json.dumps(lim | {"schema_version": 7}))
    # presets: a broken TOML file, an unknown key, a wrong type, a missing table
    (w / "bad.toml").write_text("[setup\necal_hcal_gap_cm = \n")
    for name in ("unknown", "wrongtype", "notable"):
        shutil.copytree(PRESETS / "na64-2016", w / name)
    ana = w / "unknown" / "analysis.toml"
    ana.write_text(ana.read_text().replace("chi2_max = 9.0", "chi2_maxx = 9.0"))
    ana = w / "wrongtype" / "analysis.toml"
    ana.write_text(ana.read_text().replace("chi2_max = 9.0", 'chi2_max = "nine"'))
    (w / "notable" / "stats.toml").unlink()
    return w


def _preset_cases(command: str, argv: tuple[str, ...], option: str = "--preset") -> list[Case]:
    """The six preset cells of a command taking a preset (``option`` "" for a positional argument)."""
    opt = (option,) if option else ()
    return [
        Case(command, "missing path", (*argv, *opt, MISSING), "preset", MISSING),
        Case(command, "foreign", (*argv, *opt, "{w}/foreign"), "preset", "foreign"),
        Case(command, "corrupted", (*argv, *opt, "{w}/bad.toml"), "preset", "bad.toml"),
        Case(command, "preset unknown key", (*argv, *opt, "{w}/unknown"), "chi2_maxx", "9.0"),
        Case(command, "preset wrong type", (*argv, *opt, "{w}/wrongtype"), "chi2_max", "nine"),
        Case(command, "preset missing table", (*argv, *opt, "{w}/notable"), "preset", "[stats]"),
    ]


def _cases() -> list[Case]:
    c: list[Case] = []

    def add(command: str, category: str, argv: tuple[str, ...], parameter: str, value: str) -> None:
        c.append(Case(command, category, argv, parameter, value))

    # --- physics lookups ------------------------------------------------------------------------
    xa = ("xsec", "aprime")
    add("xsec aprime", "number", (*xa, "--mass", "0.1", "--epsilon", "abc"), "epsilon", "abc")
    add("xsec aprime", "list", (*xa, "--mass", "0.1,,0.2"), "mass", "0.1,,0.2")
    add("xsec aprime", "unphysical", (*xa, "--mass", "200"), "mass", "200")
    add("xsec aprime", "enum", (*xa, "--mass", "0.1", "--method", "bogus"), "--method", "bogus")
    xd = ("xsec", "dimuon")
    add("xsec dimuon", "number", (*xd, "--energy", "abc"), "energy", "abc")
    add("xsec dimuon", "list", (*xd, "--energy", "1,,10"), "energy", "1,,10")
    add("xsec dimuon", "unphysical", (*xd, "--energy", "0.1"), "energy", "0.1")
    add("xsec dimuon", "enum", (*xd, "--energy", "10", "--target", "Xx"), "--target", "Xx")
    wd = ("width", "--mchi", "0.03")
    add("width", "number", (*wd, "--mass", "0.1", "--alpha-d", "abc"), "alpha-d", "abc")
    add("width", "list", (*wd, "--mass", "0.1,,0.2"), "mass", "0.1,,0.2")
    add("width", "unphysical", (*wd, "--mass", "-0.1"), "mass", "-0.1")
    add("width", "enum", (*wd, "--mass", "0.1", "--kind", "boson"), "--kind", "boson")
    kf = ("kfactor", "--energy", "100")
    add("kfactor", "number", ("kfactor", "--mass", "0.1", "--energy", "abc"), "energy", "abc")
    add("kfactor", "list", (*kf, "--mass", "0.1,,0.2"), "mass", "0.1,,0.2")
    add("kfactor", "unphysical", (*kf, "--mass", "200"), "mass", "200")
    add("kfactor", "enum", (*kf, "--mass", "0.1", "--lepton", "tau"), "--lepton", "tau")
    add("kfactor", "seed", (*kf, "--mass", "0.1", "--seed", "-1"), "seed", "-1")
    add(
        "kfactor", "unwritable path", ("kfactor", "--build", "--target", "Pb", "--out", f"{UNWRITABLE}/k.npz"),
        "out", UNWRITABLE,
    )  # fmt: skip
    add("kfactor", "enum", (*kf, "--mass", "0.1", "--target", "Pb,Xx"), "target", "Xx")

    # --- shower-based commands ------------------------------------------------------------------
    ya = ("yield", "aprime", "--showers", "10")
    add("yield aprime", "number", (*ya, "--mass", "0.1", "--threshold", "abc"), "--threshold", "abc")
    add("yield aprime", "list", (*ya, "--mass", "0.1,,0.2"), "mass", "0.1,,0.2")
    add("yield aprime", "unphysical", (*ya, "--mass", "60"), "mass", "60")
    add("yield aprime", "unphysical", (*ya, "--mass", "0.1", "--energy", "-5"), "energy", "-5")
    add("yield aprime", "enum", (*ya, "--mass", "0.1", "--target", "Xx"), "--target", "Xx")
    add("yield aprime", "seed", (*ya, "--mass", "0.1", "--seed", "-1"), "seed", "-1")
    c += _preset_cases("yield aprime", (*ya, "--mass", "0.1"))
    yd = ("yield", "dimuon")
    add("yield dimuon", "number", (*yd, "--showers", "abc"), "--showers", "abc")
    add("yield dimuon", "seed", (*yd, "--seed", "-1"), "seed", "-1")
    c += _preset_cases("yield dimuon", yd)
    sh = ("shower", "--showers", "2")
    add("shower", "number", (*sh, "--energy", "abc"), "--energy", "abc")
    add("shower", "unphysical", (*sh, "--energy", "-5"), "energy", "-5")
    add("shower", "enum", (*sh, "--particle", "mu"), "--particle", "mu")
    add("shower", "seed", (*sh, "--seed", "-1"), "seed", "-1")
    c += _preset_cases("shower", sh)
    ps = ("plot", "spectra", "--out", "{w}/new-figs")
    add("plot spectra", "number", (*ps, "--showers", "abc"), "--showers", "abc")
    add("plot spectra", "list", (*ps, "--mass", "0.1,,0.2"), "mass", "0.1,,0.2")
    add("plot spectra", "unphysical", (*ps, "--mass", "60"), "mass", "60")
    add("plot spectra", "seed", (*ps, "--seed", "-1"), "seed", "-1")
    add("plot spectra", "unwritable path", ("plot", "spectra", "--out", UNWRITABLE), "out", UNWRITABLE)
    add("plot spectra", "file for folder", ("plot", "spectra", "--out", "{w}/afile.txt"), "out", "afile.txt")
    c += _preset_cases("plot spectra", ps)
    pk = ("plot", "kfactor", "--out", "{w}/new.png")
    add("plot kfactor", "number", (*pk, "--mass", "abc"), "mass", "abc")
    add("plot kfactor", "list", (*pk, "--mass", "0.1,,0.2"), "mass", "0.1,,0.2")
    add("plot kfactor", "unphysical", (*pk, "--mass", "20"), "mass", "20")
    add("plot kfactor", "enum", (*pk, "--target", "Xx"), "--target", "Xx")
    add(
        "plot kfactor",
        "unwritable path",
        ("plot", "kfactor", "--out", f"{UNWRITABLE}/k.png"),
        "out",
        UNWRITABLE,
    )
    se = ("plot", "signal-ecal", "--out", "{w}/new.png")
    add("plot signal-ecal", "number", (*se, "--showers", "abc"), "--showers", "abc")
    add("plot signal-ecal", "list", (*se, "--mass", "0.1,,0.2"), "mass", "0.1,,0.2")
    add("plot signal-ecal", "unphysical", (*se, "--mass", "60"), "mass", "60")
    add("plot signal-ecal", "enum", (*se, "--mode", "slow"), "--mode", "slow")
    add("plot signal-ecal", "seed", (*se, "--seed", "-1"), "seed", "-1")
    add(
        "plot signal-ecal", "unwritable path", ("plot", "signal-ecal", "--out", f"{UNWRITABLE}/f.png"),
        "out", UNWRITABLE,
    )  # fmt: skip
    c += _preset_cases("plot signal-ecal", se)

    # --- projections ----------------------------------------------------------------------------
    for name, base in (
        ("project", ("project", "--eot", "1e12")),
        ("plot project", ("plot", "project", "--eot", "1e12", "--out", "{w}/new.png")),
    ):
        head = base[: 2 if name == "plot project" else 1]
        rest = base[len(head) + 2 :]
        add(name, "number", (*head, "--eot", "abc", *rest), "eot", "abc")
        add(name, "list", (*base, "--mass", "0.1,,0.2"), "mass", "0.1,,0.2")
        add(name, "unphysical", (*base, "--energy", "-5"), "energy", "-5")
        add(name, "unphysical", (*base, "--mass", "0"), "mass", "0")
        add(name, "enum", (*base, "--target", "Xx"), "--target", "Xx")
        add(name, "seed", (*base, "--seed", "-1"), "seed", "-1")
        c += _preset_cases(name, base)
    add(
        "plot project", "unwritable path", ("plot", "project", "--eot", "1e12", "--out", f"{UNWRITABLE}/p.png"),
        "out", UNWRITABLE,
    )  # fmt: skip

    # --- simulation -----------------------------------------------------------------------------
    sim = ("simulate", "--run", "I", "--out", "{w}/new-events")
    add("simulate", "number", (*sim, "--eot", "abc"), "eot", "abc")
    add("simulate", "list", (*sim, "--process", "em,,dimuon"), "process", "em,,dimuon")
    add("simulate", "list", ("simulate", "--run", "I,,II", "--out", "{w}/new-events"), "run", "I,,II")
    add(
        "simulate",
        "unphysical",
        (*sim, "--process", "signal", "--mass", "-0.1", "--epsilon", "1e-4"),
        "mass",
        "-0.1",
    )
    add("simulate", "enum", (*sim, "--mode", "bogus"), "--mode", "bogus")
    add("simulate", "enum", (*sim, "--process", "bogus"), "process", "bogus")
    add("simulate", "seed", (*sim, "--seed", "-1"), "seed", "-1")
    add("simulate", "unwritable path", ("simulate", "--run", "I", "--out", UNWRITABLE), "out", UNWRITABLE)
    add(
        "simulate",
        "file for folder",
        ("simulate", "--run", "I", "--out", "{w}/afile.txt"),
        "out",
        "afile.txt",
    )
    add("simulate", "foreign", ("simulate", "--run", "I", "--out", "{w}/foreign"), "out", "foreign")
    c += _preset_cases("simulate", sim)

    # --- analysis -------------------------------------------------------------------------------
    an = ("analyze", "--events", "{w}/events", "--out", "{w}/new-ana")
    add("analyze", "number", (*an, "--workers", "abc"), "--workers", "abc")
    add("analyze", "seed", (*an, "--seed", "-1"), "seed", "-1")
    add(
        "analyze", "missing path", ("analyze", "--events", MISSING, "--out", "{w}/new-ana"), "events", MISSING
    )
    add(
        "analyze",
        "unwritable path",
        ("analyze", "--events", "{w}/events", "--out", UNWRITABLE),
        "out",
        UNWRITABLE,
    )
    add(
        "analyze",
        "file for folder",
        ("analyze", "--events", "{w}/events", "--out", "{w}/afile.txt"),
        "out",
        "afile.txt",
    )
    add("analyze", "file for folder", (*an, "--mc", "{w}/afile.txt"), "mc", "afile.txt")
    add(
        "analyze",
        "foreign",
        ("analyze", "--events", "{w}/foreign", "--out", "{w}/new-ana"),
        "events",
        "foreign",
    )
    add(
        "analyze",
        "corrupted",
        ("analyze", "--events", "{w}/trunc", "--out", "{w}/new-ana"),
        "events",
        "run.root",
    )
    c += _preset_cases("analyze", an)
    add("unblind", "number", ("unblind", "--analysis", "{w}/ana", "--workers", "abc"), "--workers", "abc")
    for name, base in (
        ("unblind", ("unblind",)),
        ("optimise", ("optimise",)),
        ("limits", ("limits", "--yields", "{w}/yields.json", "--out", "{w}/new-lim")),
    ):
        add(name, "missing path", (*base, "--analysis", MISSING), "analysis", MISSING)
        add(name, "file for folder", (*base, "--analysis", "{w}/afile.txt"), "analysis", "afile.txt")
        add(name, "foreign", (*base, "--analysis", "{w}/foreign"), "analysis", "foreign")
        add(name, "corrupted", (*base, "--analysis", "{w}/badana"), "analysis", "badana")
        add(name, "corrupted", (*base, "--analysis", "{w}/futureana"), "analysis", "futureana")
    opt = ("optimise", "--analysis", "{w}/ana")
    add("optimise", "number", (*opt, "--mass", "abc"), "mass", "abc")
    add("optimise", "list", (*opt, "--mass", "0.002,,0.02"), "mass", "0.002,,0.02")
    add("optimise", "unphysical", (*opt, "--mass", "-0.002"), "mass", "-0.002")
    c += _preset_cases("optimise", opt)
    lim = ("limits", "--analysis", "{w}/ana", "--out", "{w}/new-lim")
    add("limits", "number", (*lim, "--showers", "abc"), "--showers", "abc")
    add("limits", "list", (*lim, "--mass", "0.01,,0.1"), "mass", "0.01,,0.1")
    add("limits", "unphysical", (*lim, "--mass", "-1"), "mass", "-1")
    add("limits", "unphysical", (*lim, "--mass", "60"), "mass", "60")
    add("limits", "enum", (*lim, "--method", "bogus"), "--method", "bogus")
    add("limits", "seed", (*lim, "--seed", "-1"), "seed", "-1")
    lim_y = ("limits", "--analysis", "{w}/ana", "--yields", "{w}/yields.json")
    add("limits", "unwritable path", (*lim_y, "--out", UNWRITABLE), "out", UNWRITABLE)
    add("limits", "file for folder", (*lim_y, "--out", "{w}/afile.txt"), "out", "afile.txt")
    add("limits", "corrupted", (*lim, "--yields", "{w}/badyields.json"), "yields", "badyields.json")
    add("limits", "missing path", (*lim, "--yields", MISSING), "yields", MISSING)
    c += _preset_cases("limits", (*lim_y, "--out", "{w}/new-lim"))
    pl = ("plot", "limits", "--out", "{w}/new-figs")
    add("plot limits", "missing path", (*pl, "--limits", MISSING), "limits", MISSING)
    add("plot limits", "corrupted", (*pl, "--limits", "{w}/badlimits.json"), "limits", "badlimits.json")
    add("plot limits", "corrupted", (*pl, "--limits", "{w}/futurelimits.json"), "limits", "futurelimits.json")
    add("plot limits", "foreign", (*pl, "--limits", "{w}/foreign.json"), "limits", "foreign.json")
    add("plot limits", "file for folder", ("plot", "limits", "--limits", "{w}/limits.json", "--out", "{w}/afile.txt"),
        "out", "afile.txt")  # fmt: skip
    add("plot limits", "unwritable path", ("plot", "limits", "--limits", "{w}/limits.json", "--out", UNWRITABLE),
        "out", UNWRITABLE)  # fmt: skip
    f7 = ("plot", "fig7", "--out", "{w}/new-figs")
    add("plot fig7", "missing path", (*f7, "--events", MISSING), "events", MISSING)
    add("plot fig7", "foreign", (*f7, "--events", "{w}/foreign"), "events", "foreign")
    add("plot fig7", "corrupted", (*f7, "--events", "{w}/trunc"), "events", "run.root")
    add(
        "plot fig7",
        "unwritable path",
        ("plot", "fig7", "--events", "{w}/events", "--out", UNWRITABLE),
        "out",
        UNWRITABLE,
    )
    add("plot fig7", "file for folder", ("plot", "fig7", "--events", "{w}/events", "--out", "{w}/afile.txt"),
        "out", "afile.txt")  # fmt: skip

    # --- the whole chain ------------------------------------------------------------------------
    rp = ("reproduce", "--out", "{w}/new-out", "--quick")
    add("reproduce", "number", (*rp, "--workers", "abc"), "--workers", "abc")
    add("reproduce", "list", (*rp, "--mass", "0.002,,0.02"), "mass", "0.002,,0.02")
    add("reproduce", "unphysical", (*rp, "--mass", "-0.1"), "mass", "-0.1")
    add("reproduce", "unphysical", (*rp, "--mass", "20"), "mass", "20")
    add("reproduce", "seed", (*rp, "--seed", "-1"), "seed", "-1")
    add("reproduce", "unwritable path", ("reproduce", "--out", UNWRITABLE), "out", UNWRITABLE)
    add("reproduce", "file for folder", ("reproduce", "--out", "{w}/afile.txt"), "out", "afile.txt")
    add("reproduce", "foreign", ("reproduce", "--out", "{w}/foreign"), "out", "foreign")
    c += _preset_cases("reproduce", rp)

    # --- presets --------------------------------------------------------------------------------
    c += _preset_cases("preset show", ("preset", "show"), option="")
    c += _preset_cases("preset check", ("preset", "check"), option="")
    return c


CASES = _cases()


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.command}|{c.category}|{i}" for i, c in enumerate(CASES)])
def test_bad_input_is_one_line_exit_2_nothing_written(case: Case, world: Path, capsys) -> None:
    argv = [a.replace("{w}", str(world)) for a in case.argv]
    before = _snapshot(world)
    rc = main(argv)
    captured = capsys.readouterr()
    assert rc == 2, (argv, rc, captured.err[-2000:])
    assert "Traceback" not in captured.err and captured.out == "", (argv, captured.out[-500:])
    lines = captured.err.splitlines()
    assert len(lines) == 1, (argv, captured.err)
    (line,) = lines
    assert line.startswith("darkmiss: error: "), line
    assert case.parameter in line, (case.parameter, line)
    value = case.value.replace("{w}", str(world))
    assert value in line, (value, line)
    # what is allowed follows the value
    assert len(line) - (line.rindex(value) + len(value)) > 8, line
    assert _snapshot(world) == before, f"{argv} wrote into the working folder"
    assert not Path(UNWRITABLE).parent.exists()


def test_the_table_covers_every_cell() -> None:
    """Every command has the categories that apply to its options; the count is printed for the notes."""
    cells = Counter((c.command, c.category) for c in CASES)
    commands = {c.command for c in CASES}
    assert len(commands) == 22 and set(available_presets()) == {"na64-2016"}
    with_preset = {
        "yield aprime", "yield dimuon", "shower", "plot spectra", "plot signal-ecal", "project", "plot project",
        "simulate", "analyze", "optimise", "limits", "reproduce", "preset show", "preset check",
    }  # fmt: skip
    for cmd in with_preset:
        for cat in PRESET_CATEGORIES:
            assert cells[(cmd, cat)] >= 1, (cmd, cat)
    with_seed = {
        "kfactor", "yield aprime", "yield dimuon", "shower", "plot spectra", "plot signal-ecal", "project",
        "plot project", "simulate", "analyze", "limits", "reproduce",
    }  # fmt: skip
    for cmd in with_seed:
        assert cells[(cmd, "seed")] >= 1, cmd
    with_out = {
        "kfactor", "plot spectra", "plot kfactor", "plot signal-ecal", "plot project", "simulate", "analyze",
        "limits", "plot limits", "plot fig7", "reproduce",
    }  # fmt: skip
    for cmd in with_out:
        assert cells[(cmd, "unwritable path")] >= 1, cmd
    print(f"{len(CASES)} bad-input cases in {len(cells)} (command × category) cells")
