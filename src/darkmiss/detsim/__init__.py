"""darkmiss.detsim"""
