using Registry.Api.Vocabulary;

namespace Registry.Tests.Vocabulary;

public sealed class VocabularyApiTests(RegistryApp app) : ApiTests(app)
{
    [Fact]
    public async Task Vocabulary_lists_the_seeded_drugs_with_their_atc_codes()
    {
        var vocabulary = await (await Client.GetAsync("/api/v1/vocabulary")).ReadAs<VocabularyResponse>(HttpStatusCode.OK);

        var drugs = vocabulary.Drugs.ToDictionary(d => d.Code);
        Assert.Equal(new DrugResponse("gabapentin", "Gabapentin", "N03AX12", "anticonvulsant"), drugs["gabapentin"]);
        Assert.Null(drugs["xuesaitong"].AtcCode);
        Assert.Contains("thiamine", drugs.Keys);
        Assert.Equal(await app.QuerySingleAsync<long>("SELECT count(*) FROM drugs"), vocabulary.Drugs.Count);
    }

    [Fact]
    public async Task Vocabulary_keys_enum_values_by_the_json_field_they_apply_to()
    {
        var vocabulary = await (await Client.GetAsync("/api/v1/vocabulary")).ReadAs<VocabularyResponse>(HttpStatusCode.OK);

        var enums = vocabulary.Enums;
        Assert.Equal(["male", "female", "other", "unknown"], enums.Sex);
        Assert.Equal(["left", "right", "bilateral"], enums.AffectedSide);
        Assert.Contains("mouth-corner", enums.AffectedRegions);
        Assert.Contains("facial-expression", enums.Triggers);
        Assert.Contains("neurovascular-compression", enums.Etiology);
        Assert.Contains("psychological-counselling", enums.SupportiveCare);
        Assert.Contains("neurological-exam", enums.Kind);
        Assert.Equal(["normal", "abnormal", "inconclusive"], enums.Result);
        Assert.Contains("parenteral", enums.Route);
        Assert.Equal(["inpatient", "outpatient", "both"], enums.Setting);
        Assert.Contains("paused", enums.Change);
        Assert.Contains("tapered", enums.Ending);
        Assert.Contains("in-person", enums.Method);
        Assert.Contains("marked-improvement", enums.Status);
        Assert.Equal(["smc", "jankovic", "hfs-7", "hfs-30", "other"], enums.Scale);
    }

    [Fact]
    public async Task Vocabulary_gives_the_score_range_of_each_severity_scale()
    {
        var vocabulary = await (await Client.GetAsync("/api/v1/vocabulary")).ReadAs<VocabularyResponse>(HttpStatusCode.OK);

        Assert.Equal(new ScoreRange(1, 4), vocabulary.ScoreRanges["smc"]);
        Assert.Equal(new ScoreRange(0, 8), vocabulary.ScoreRanges["jankovic"]);
        Assert.Equal(new ScoreRange(0, 28), vocabulary.ScoreRanges["hfs-7"]);
        Assert.Equal(new ScoreRange(0, 120), vocabulary.ScoreRanges["hfs-30"]);
    }

    [Fact]
    public async Task A_drug_can_be_read_by_its_code()
    {
        var drug = await (await Client.GetAsync("/api/v1/vocabulary/drugs/botulinum-toxin-a")).ReadAs<DrugResponse>(HttpStatusCode.OK);

        Assert.Equal(("Botulinum toxin type A", "M03AX01"), (drug.Name, drug.AtcCode));
    }

    [Fact]
    public async Task Unknown_drug_code_answers_404_problem_saying_where_codes_are_listed()
    {
        var response = await Client.GetAsync("/api/v1/vocabulary/drugs/unobtainium");

        var problem = await response.ReadProblem(HttpStatusCode.NotFound);
        Assert.Contains("/api/v1/vocabulary", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Added_drug_is_stored_and_listed_in_the_vocabulary()
    {
        var response = await Client.PostAsJson("/api/v1/vocabulary/drugs",
            new DrugRequest("pregabalin", "Pregabalin", "N03AX16", "anticonvulsant"));

        var created = await response.ReadAs<DrugResponse>(HttpStatusCode.Created);
        Assert.Equal("/api/v1/vocabulary/drugs/pregabalin", response.Headers.Location?.OriginalString);
        Assert.Equal(new DrugResponse("pregabalin", "Pregabalin", "N03AX16", "anticonvulsant"), created);
        Assert.Equal("N03AX16", await app.QuerySingleAsync<string>("SELECT atc_code FROM drugs WHERE code = 'pregabalin'"));
        var vocabulary = await (await Client.GetAsync("/api/v1/vocabulary")).ReadAs<VocabularyResponse>(HttpStatusCode.OK);
        Assert.Contains(vocabulary.Drugs, d => d.Code == "pregabalin");
    }

    [Fact]
    public async Task Drug_without_an_atc_code_can_be_added()
    {
        var response = await Client.PostAsJson("/api/v1/vocabulary/drugs",
            new DrugRequest("tianma-gouteng", "Tianma Gouteng granules", null, "traditional Chinese medicine"));

        Assert.Null((await response.ReadAs<DrugResponse>(HttpStatusCode.Created)).AtcCode);
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM drugs WHERE code = 'tianma-gouteng' AND atc_code IS NULL"));
    }

    [Fact]
    public async Task Adding_a_drug_code_that_exists_answers_409_and_keeps_the_original()
    {
        var response = await Client.PostAsJson("/api/v1/vocabulary/drugs",
            new DrugRequest("gabapentin", "Something else", null, "other"));

        await response.ReadProblem(HttpStatusCode.Conflict);
        Assert.Equal("Gabapentin", await app.QuerySingleAsync<string>("SELECT name FROM drugs WHERE code = 'gabapentin'"));
    }

    [Theory]
    [InlineData("Pregabalin", "code")]
    [InlineData("pre_gabalin", "code")]
    [InlineData("pre--gabalin", "code")]
    [InlineData("-pregabalin", "code")]
    public async Task Drug_code_that_is_not_kebab_case_is_rejected(string code, string field)
    {
        var response = await Client.PostAsJson("/api/v1/vocabulary/drugs", new DrugRequest(code, "Pregabalin", null, "anticonvulsant"));

        await response.ReadValidationProblem(field);
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM drugs WHERE code = @code", new { code }));
    }

    [Fact]
    public async Task Drug_code_longer_than_60_characters_is_rejected()
    {
        var code = string.Join('-', Enumerable.Repeat("abcdefghi", 7));

        var response = await Client.PostAsJson("/api/v1/vocabulary/drugs", new DrugRequest(code, "Long", null, "other"));

        await response.ReadValidationProblem("code");
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM drugs WHERE code = @code", new { code }));
    }

    [Theory]
    [InlineData("n03ax16")]
    [InlineData("N3AX16")]
    [InlineData("N03AX1")]
    [InlineData("N03AX161")]
    public async Task Malformed_atc_code_is_rejected(string atcCode)
    {
        var response = await Client.PostAsJson("/api/v1/vocabulary/drugs", new DrugRequest("atc-test", "Test", atcCode, "other"));

        await response.ReadValidationProblem("atcCode");
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM drugs WHERE code = 'atc-test'"));
    }

    [Fact]
    public async Task Drug_without_name_or_class_is_rejected_naming_each_field()
    {
        var response = await Client.PostJson("/api/v1/vocabulary/drugs", """{"code":"nameless","name":" "}""");

        await response.ReadValidationProblem("name", "drugClass");
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM drugs WHERE code = 'nameless'"));
    }
}
