"""The dflow programming model: templates, their signatures, steps, DAGs and expressions."""
