"""Neural-network building blocks: small models, the one training loop, optimisers (SAM),
Bayesian layers and samplers, mixup, and the contrastive pre-training of small encoders.
"""
