"""Root fixtures: each concern lives in its own module under tests/fixtures/."""

from streams.engine import select_build

# Before any test module imports the engine: a stale compiled build must not be used.
select_build()

pytest_plugins = ["tests.fixtures.kafka", "tests.fixtures.postgres"]
