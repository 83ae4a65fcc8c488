"""The SQL adapters of the domain's repositories: each module implements the repository
protocols of one part (`payments.ports`, `settlement.ports`, ...) on one SQLAlchemy connection,
the unit of work's."""
