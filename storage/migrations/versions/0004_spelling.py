"""personal dictionary and spell check option

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 14:22:56.580204
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('personal_word',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('word', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('agent_id', 'word')
    )
    with op.batch_alter_table('agent', schema=None) as batch_op:
        # existing agents get the default: spell checking on
        batch_op.add_column(sa.Column('spell_check', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))




def downgrade() -> None:

    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_column('spell_check')

    op.drop_table('personal_word')

