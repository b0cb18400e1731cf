namespace Registry.Api.Data;

/// <summary>What a key may do: every caller is one of these (the database's row-level security reads it too).</summary>
public enum Role { Admin, Hospital, Analyst }
