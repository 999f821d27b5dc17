"""Business rules over the models; one module per domain. No request, no templates."""
