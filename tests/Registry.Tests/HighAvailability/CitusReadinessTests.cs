namespace Registry.Tests.HighAvailability;

/// <summary>
/// Issue 14, point 6 (docs/citus.md): distributing by hospital_id with Citus needs every unique constraint and
/// foreign key of a hospital-scoped table (one with a NOT NULL hospital_id) to include hospital_id, except foreign
/// keys to the planned reference tables. Today's schema does not meet it yet: these tests assert the exact list of
/// blockers the plan names, so a new violation (or a fixed one) fails here until the plan is updated.
/// </summary>
public sealed class CitusReadinessTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>The tables docs/citus.md makes distributed (by hospital_id) and reference tables.</summary>
    private static readonly string[] Distributed = ["case_versions", "cases", "diagnostics", "medications", "outcomes", "patients"];
    private static readonly string[] Reference = ["drug_combinations", "drugs", "hospitals"];

    /// <summary>The blockers docs/citus.md lists: single-column primary keys on id, without hospital_id.</summary>
    private static readonly string[] KnownBlockingConstraints =
    [
        "case_versions.case_versions_pkey", "cases.cases_pkey", "diagnostics.diagnostics_pkey", "medications.medications_pkey",
        "outcomes.outcomes_pkey", "patients.patients_pkey",
    ];

    /// <summary>The triggers docs/citus.md lists: Citus runs them on each shard only with citus.enable_unsafe_triggers.</summary>
    private static readonly string[] KnownTriggersOnDistributedTables =
    [
        "cases.cases_deleted", "cases.cases_grouping_keys", "cases.cases_versioned", "diagnostics.diagnostics_versioned",
        "medications.medications_versioned", "outcomes.outcomes_versioned", "patients.patients_sex_to_cases",
    ];

    [Fact]
    public async Task The_hospital_scoped_tables_are_exactly_the_ones_the_plan_distributes()
    {
        var scoped = await app.QueryAsync<string>("""
            SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE c.table_schema = 'public' AND c.column_name = 'hospital_id' AND c.is_nullable = 'NO' AND t.table_type = 'BASE TABLE'
            ORDER BY 1
            """);

        Assert.Equal(Distributed, scoped);
    }

    [Fact]
    public async Task Every_unique_constraint_and_foreign_key_of_a_distributed_table_includes_hospital_id_except_the_known_blockers()
    {
        var violations = await app.QueryAsync<string>("""
            SELECT t.relname || '.' || con.conname
            FROM pg_constraint con
            JOIN pg_class t ON t.oid = con.conrelid
            LEFT JOIN pg_class target ON target.oid = con.confrelid
            WHERE t.relname = ANY(@distributed) AND con.contype IN ('p', 'u', 'f')
              AND NOT (con.contype = 'f' AND target.relname = ANY(@reference))
              AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                              WHERE a.attrelid = t.oid AND a.attname = 'hospital_id' AND a.attnum = ANY(con.conkey))
            ORDER BY 1
            """, new { distributed = Distributed, reference = Reference });

        Assert.Equal(KnownBlockingConstraints, violations);
    }

    [Fact]
    public async Task Foreign_keys_from_distributed_tables_point_only_at_distributed_or_reference_tables()
    {
        var targets = await app.QueryAsync<string>("""
            SELECT DISTINCT target.relname FROM pg_constraint con
            JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class target ON target.oid = con.confrelid
            WHERE con.contype = 'f' AND t.relname = ANY(@distributed) ORDER BY 1
            """, new { distributed = Distributed });

        Assert.All(targets, target => Assert.Contains(target, Distributed.Concat(Reference)));
    }

    [Fact]
    public async Task The_triggers_on_distributed_tables_are_the_known_ones()
    {
        var triggers = await app.QueryAsync<string>("""
            SELECT t.relname || '.' || tg.tgname FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid
            WHERE NOT tg.tgisinternal AND t.relname = ANY(@distributed) ORDER BY 1
            """, new { distributed = Distributed });

        Assert.Equal(KnownTriggersOnDistributedTables, triggers);
    }
}
