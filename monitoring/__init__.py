"""Monitoring a champion after it ships: input and score drift against its training profile,
realised conversion by score band, AUC and ECE on leads whose horizon has passed."""
