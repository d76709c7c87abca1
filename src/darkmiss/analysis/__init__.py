"""darkmiss.analysis"""
