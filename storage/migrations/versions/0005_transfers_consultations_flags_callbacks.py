"""transfers, consultations, flags, callbacks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 15:48:14.152117
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('callback',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('contact_number', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('centre_number', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_interaction_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('assigned_agent_id', sa.Integer(), nullable=True),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['queue_id'], ['queue.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_assigned_agent_id'), ['assigned_agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_state'), ['state'], unique=False)

    op.create_table('recent_target',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('agent_id', 'kind', 'target_id')
    )
    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lowered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lowered_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['lowered_by'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_interaction_id'), ['interaction_id'], unique=False)

    op.create_table('consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('consultant_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['consultant_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['ended_by'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_consultant_id'), ['consultant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_interaction_id'), ['interaction_id'], unique=False)

    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))

    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_agent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_owner_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_interaction_target_agent', 'agent', ['target_agent_id'], ['id'])
        batch_op.create_foreign_key('fk_interaction_previous_owner', 'agent', ['previous_owner_id'], ['id'])

    with op.batch_alter_table('offer', schema=None) as batch_op:
        # existing offers were all routing offers
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default='route'))
        batch_op.add_column(sa.Column('from_agent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('waiting', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_foreign_key('fk_offer_from_agent', 'agent', ['from_agent_id'], ['id'])




def downgrade() -> None:
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_constraint('fk_offer_from_agent', type_='foreignkey')
        batch_op.drop_column('waiting')
        batch_op.drop_column('from_agent_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_constraint('fk_interaction_previous_owner', type_='foreignkey')
        batch_op.drop_constraint('fk_interaction_target_agent', type_='foreignkey')
        batch_op.drop_column('previous_owner_id')
        batch_op.drop_column('target_agent_id')

    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_column('phone')

    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_interaction_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_consultant_id'))

    op.drop_table('consultation')
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_interaction_id'))

    op.drop_table('flag')
    op.drop_table('recent_target')
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_state'))
        batch_op.drop_index(batch_op.f('ix_callback_due_at'))
        batch_op.drop_index(batch_op.f('ix_callback_assigned_agent_id'))

    op.drop_table('callback')

