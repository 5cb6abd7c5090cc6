"""plait-loggers-wandb: the ``plait.WandbLogger.v1`` training logger."""
