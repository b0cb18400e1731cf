-- Every write of a case snapshots it (record_case_version, 0032). As a SQL function, case_snapshot's query was parsed
-- and planned on every call: PostgreSQL caches no plan for a SQL function that is not inlined, and this one cannot be
-- (its body reads tables). PL/pgSQL keeps the plan for the connection's life. Measured over 3,000 single calls: 0.31 ms
-- each as SQL, 0.09 ms as PL/pgSQL (docs/performance.md, "Writes: the snapshot planned once"). Same result.
CREATE OR REPLACE FUNCTION case_snapshot(target uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (
    SELECT jsonb_build_object(
      'case', to_jsonb(c),
      'diagnostics', COALESCE((SELECT jsonb_agg(to_jsonb(d)) FROM diagnostics d WHERE d.case_id = c.id), '[]'),
      'medications', COALESCE((SELECT jsonb_agg(to_jsonb(m)) FROM medications m WHERE m.case_id = c.id), '[]'),
      'outcomes', COALESCE((SELECT jsonb_agg(to_jsonb(o)) FROM outcomes o WHERE o.case_id = c.id), '[]'))
    FROM cases c WHERE c.id = target);
END
$$;
