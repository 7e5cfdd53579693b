"""Demo mode: tiny random-weight models built on this machine, for trying every brick offline and for the tests."""
