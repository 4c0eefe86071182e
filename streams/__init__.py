"""Stream processors of ivex: the pure case engine and the Faust driver around it."""
