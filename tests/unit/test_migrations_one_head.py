"""The migrations form one line: a second head would make `init-db` ambiguous."""
from alembic.config import Config
from alembic.script import ScriptDirectory

from services.core import config


def test_the_migrations_have_exactly_one_head():
    cfg = Config()
    cfg.set_main_option("script_location", str(config.ROOT / "migrations"))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"several heads: {sorted(heads)}; add a merge revision"
