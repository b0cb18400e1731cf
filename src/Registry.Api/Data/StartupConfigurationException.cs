namespace Registry.Api.Data;

/// <summary>
/// A configuration the API cannot run with, found at start-up: the process stops with this message and a non-zero
/// exit code instead of serving half-working requests.
/// </summary>
public sealed class StartupConfigurationException(string message) : Exception(message);
