using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Registry.Api.Data;

namespace Registry.Api.Data;

/// <summary>
/// Binds every connection EF Core opens (including the execution strategy's re-opens after a failure) to the
/// context's caller, as <see cref="RegistryConnections"/> does for hand-written SQL.
/// </summary>
public sealed class CallerConnectionInterceptor : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        CallerSettings.Apply(connection, CallerOf(eventData));

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default) =>
        CallerSettings.ApplyAsync(connection, CallerOf(eventData), ct);

    private static Caller CallerOf(ConnectionEndEventData eventData) => (eventData.Context as RegistryDb)?.Caller ?? Caller.System;
}
