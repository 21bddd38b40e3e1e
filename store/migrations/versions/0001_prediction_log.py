"""The prediction log and the outcomes.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "predictions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("lead_id", sa.String(200), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("bant_budget", sa.String(8)),
        sa.Column("bant_authority", sa.String(8)),
        sa.Column("bant_need", sa.String(8)),
        sa.Column("bant_timeline", sa.String(8)),
        sa.Column("points_score", sa.Float()),
        sa.Column("fingerprint", sa.Text()),
        sa.Column("origin", sa.String(16), nullable=False),
    )
    op.create_index("ix_predictions_lead_scored", "predictions", ["lead_id", "scored_at"])
    op.create_index("ix_predictions_version_scored", "predictions",
                    ["model_version", "scored_at"])
    op.create_table(
        "outcomes",
        sa.Column("lead_id", sa.String(200), primary_key=True),
        sa.Column("sql_at", sa.DateTime(timezone=True)),
        sa.Column("disqualified_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("outcomes")
    op.drop_index("ix_predictions_version_scored", table_name="predictions")
    op.drop_index("ix_predictions_lead_scored", table_name="predictions")
    op.drop_table("predictions")
