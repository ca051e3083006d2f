//! The sans-IO ZMTP protocol core (being written).
