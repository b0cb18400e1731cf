using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Drugs;
using Registry.Api.Idempotency;
using Registry.Api.Security;

namespace Registry.Api.Vocabulary;

public static class VocabularyEndpoints
{
    public static RouteGroupBuilder MapVocabulary(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/vocabulary").WithTags("Vocabulary");

        group.MapGet("/", Get).WithName("GetVocabulary")
            .WithSummary("List drugs, enum values and score ranges")
            .WithDescription("""
                Everything a client needs to build valid requests. `drugs` lists the drug codes a medication's `drug`
                accepts, with name, ATC code (null when the drug has none) and class. `enums` holds the allowed values
                of every enum field, each list keyed by the JSON field it applies to: `sex` (patient);
                `affectedSide`, `affectedRegions`, `triggers`, `supportiveCare` (case) and `etiology` (case diagnosis);
                `kind`, `result` (diagnostic); `route`, `setting`, `ending` (medication) and `change` (its adjustments);
                `method`, `status` (outcome) and `scale` (its severity). `scoreRanges` gives, per severity scale code,
                the inclusive score range accepted: smc 1–4, jankovic 0–8, hfs-7 0–28, hfs-30 0–120.
                """);
        group.MapGet("/drugs/{code}", GetDrug).WithName("GetDrug")
            .WithSummary("Get a drug")
            .WithDescription("One drug of the vocabulary by its code, e.g. gabapentin.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/drugs", AddDrug).WithName("AddDrug")
            .WithSummary("Add a drug to the vocabulary")
            .WithDescription("""
                Adds a drug so medications can name it by `code`. Codes are permanent: a code already in the
                vocabulary answers 409 and changes nothing. This will be restricted to administrators once
                authentication arrives; until then any client may call it.
                """)
            .WithRequestExample(VocabularyMapping.Example)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireAuthorization(Policies.Admin)
            .WithIdempotency();

        return group;
    }

    private static async Task<Ok<VocabularyResponse>> Get(RegistryDb db, CancellationToken ct)
    {
        var drugs = await db.Drugs.AsNoTracking().OrderBy(d => d.Code).Select(d => d.ToResponse()).ToListAsync(ct);
        return TypedResults.Ok(new VocabularyResponse(drugs, VocabularyEnums.All, VocabularyMapping.ScoreRanges));
    }

    private static async Task<Results<Ok<DrugResponse>, ProblemHttpResult>> GetDrug(
        [Description("The drug's vocabulary code, e.g. gabapentin.")] string code, RegistryDb db, CancellationToken ct) =>
        await db.Drugs.AsNoTracking().Where(d => d.Code == code).Select(d => d.ToResponse()).FirstOrDefaultAsync(ct) is { } drug
            ? TypedResults.Ok(drug)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Drug not found.",
                detail: $"No drug has code '{code}'. {DrugCatalog.HowToFindCodes}");

    private static async Task<Results<Created<DrugResponse>, ProblemHttpResult>> AddDrug(
        DrugRequest request, RegistryDb db, DrugCatalog catalog, CancellationToken ct)
    {
        if (await db.Drugs.AnyAsync(d => d.Code == request.Code, ct))
            return Problems.Conflict("Drug code already in use.",
                $"The vocabulary already has a drug with code '{request.Code}'; GET /api/v1/vocabulary/drugs/{request.Code} shows it.");
        var drug = request.ToEntity();
        db.Drugs.Add(drug);
        await db.SaveChangesAsync(ct);
        catalog.Invalidate();
        return TypedResults.Created($"/api/v1/vocabulary/drugs/{drug.Code}", drug.ToResponse());
    }
}
