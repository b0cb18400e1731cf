using Registry.Api.Analytics;
using Registry.Api.Audit;
using Registry.Api.Bulk;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Exports;
using Registry.Api.Fhir;
using Registry.Api.Health;
using Registry.Api.Hospitals;
using Registry.Api.Idempotency;
using Registry.Api.Keys;
using Registry.Api.Medications;
using Registry.Api.OpenApi;
using Registry.Api.Outcomes;
using Registry.Api.Patients;
using Registry.Api.Security;
using Registry.Api.Seeding;
using Registry.Api.Startup;
using Registry.Api.Vocabulary;

var builder = WebApplication.CreateBuilder(args);
// Defaults in code, not appsettings.json: the documented launch runs the dll from the checkout, whose
// folder is then the content root. Configuration (Logging__LogLevel__...) still overrides them.
builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
builder.Logging.AddSimpleConsole(o => o.IncludeScopes = true);

builder.AddRegistryDatabase();
builder.AddRegistryTelemetry();
builder.Services.AddRegistryJson();
builder.Services.AddRegistryValidators();
builder.Services.AddRegistryOpenApi();
builder.Services.AddRegistrySecurity(builder.Configuration);
builder.Services.AddFhirErrors(); // before the registry's problems: FHIR routes answer OperationOutcomes
builder.Services.AddRegistryProblems();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddScoped<SeedLoader>();
builder.Services.AddDrugs();
builder.Services.AddCases();
builder.Services.AddBulkIngest();
builder.Services.AddAnalytics();
builder.Services.AddAudit();
builder.Services.AddFhir();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = RequestLimits.MaxBodyBytes);

var app = builder.Build();

app.UseRegistryForwardedHeaders(); // first: everything after sees the client's address, not the proxy's
app.UseRequestIds();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseBodySizeLimit();
app.UseIdempotencyBuffering();
app.UseRegistryOpenApi();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

var api = app.MapGroup("/api/v1")
    .RequireAuthorization(Policies.Read)
    .RequireRateLimiting(RateLimiting.PerKey)
    .WithKnownQueryParameters() // first: an unknown parameter is refused before the values are judged
    .WithValidation()
    .WithAcceptNegotiation() // a request the route cannot answer acceptably is refused before any work is done
    .WithETags();
api.MapHospitals();
api.MapPatients();
api.MapCases();
api.MapCaseVersions();
api.MapDiagnostics();
api.MapMedications();
api.MapOutcomes();
api.MapAnalytics();
api.MapBulkIngest();
api.MapCaseExport();
api.MapVocabulary();
api.MapKeys();
api.MapAudit();
api.MapFhir();
api.MapFhirRest();
app.MapHealth();
app.MapRegistryMetrics();

await app.PrepareDatabaseAsync();
app.Run();

public partial class Program;
