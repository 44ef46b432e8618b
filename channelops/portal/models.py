"""The portal has no data of its own: it shows the partner's records from the domain apps."""
