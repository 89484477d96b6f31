"""The answer tabs on the right of the window, and the registry that orders them."""
