"""darkmiss.stats"""
