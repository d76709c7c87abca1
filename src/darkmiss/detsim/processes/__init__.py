"""darkmiss.detsim.processes"""
