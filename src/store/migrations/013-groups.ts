import type { Kysely } from 'kysely';

// Frozen: groups and their members (issue 17, item 5). A membership row goes with its user or its
// group (ON DELETE CASCADE) as a safety net; the services delete memberships themselves first, so
// that the groups a deleted user leaves get their version and event.
export const migration013 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      // NFKC + lower case: SCIM compares a Group's displayName case-insensitively.
      .addColumn('display_name_norm', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // The name in ../unique-violation.ts: a group's externalId is unique per environment like a user's.
    await db.schema.createIndex('groups_external_id_key').on('groups').columns(['environment', 'external_id']).unique().execute();
    // displayName eq (the filter Entra and Okta match groups with), in id order for paging.
    await db.schema.createIndex('groups_display_name_idx').on('groups').columns(['environment', 'display_name_norm', 'id']).execute();
    await db.schema.createIndex('groups_environment_id_idx').on('groups').columns(['environment', 'id']).execute();

    await db.schema
      .createTable('group_members')
      .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_members_pkey', ['group_id', 'user_id'])
      .execute();
    // A user's groups (GET /v1/users/{id}/groups, and the memberships a user delete removes).
    await db.schema.createIndex('group_members_user_idx').on('group_members').columns(['user_id', 'group_id']).execute();
  },
};
