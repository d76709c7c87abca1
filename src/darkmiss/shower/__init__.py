"""darkmiss.shower"""
