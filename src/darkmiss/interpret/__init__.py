"""darkmiss.interpret"""
