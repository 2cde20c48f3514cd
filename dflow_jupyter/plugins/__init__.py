"""dflow's plugins (``dflow.plugins``): executors that send steps to other compute back ends."""
