"""Event files: the schema (one module) and ROOT TTree I/O through uproot."""
