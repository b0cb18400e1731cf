using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Analytics;

/// <summary>
/// Small-cell suppression for analysts: a count from 1 to k−1 could single out a patient, so it is reported
/// as null (suppressed), never as a number; so is any share, interval or median derived from such a count.
/// k is Registry:Analytics:MinCellSize (default 5; 1 in development, where the registry holds demo data).
/// Admins and hospital keys (their own cases) see exact figures.
/// </summary>
public sealed class SmallCells(int k)
{
    public static SmallCells For(Caller caller, IConfiguration configuration, IHostEnvironment environment) =>
        new(caller.IsAnalyst ? configuration.GetValue("Registry:Analytics:MinCellSize", environment.IsDevelopment() ? 1 : 5) : 1);

    /// <summary>The k in force for this caller; 1 means nothing is suppressed.</summary>
    public int MinCellSize => k;

    public bool IsSmall(int count) => count > 0 && count < k;

    public int? Count(int count) => IsSmall(count) ? null : count;
}
