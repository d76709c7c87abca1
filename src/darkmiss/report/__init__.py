"""darkmiss.report"""
