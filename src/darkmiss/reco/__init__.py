"""darkmiss.reco"""
