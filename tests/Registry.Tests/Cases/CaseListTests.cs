using Registry.Api.Cases;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Tests.Cases;

/// <summary>GET /cases over a small known set of cases, created once for the class.</summary>
public sealed class CaseListTests(CaseListTests.KnownCases known) : IClassFixture<CaseListTests.KnownCases>
{
    public sealed class KnownCases : IAsyncLifetime
    {
        public RegistryApp App { get; } = new();
        public Guid Beijing { get; private set; }
        public Guid Harbin { get; private set; }

        public async Task InitializeAsync()
        {
            await App.InitializeAsync();
            var client = App.CreateClient();
            Beijing = await client.CreateHospitalAsync("Beijing");
            Harbin = await client.CreateHospitalAsync("Harbin");
            // 12 cases: ages 30..85 step 5, alternating sex/side, drugs and final outcomes varied.
            for (var i = 0; i < 12; i++)
            {
                await client.CreateCaseAsync(CaseDocuments.Document(
                    i % 3 == 0 ? Harbin : Beijing, pseudonym: $"L-{i}", sex: i % 2 == 0 ? Sex.Female : Sex.Male, age: 30 + 5 * i,
                    presentation: $"{2015 + i / 2}-0{1 + i % 6}", side: i % 4 == 0 ? AffectedSide.Right : AffectedSide.Left,
                    drugs: i % 2 == 0 ? ["carbamazepine"] : ["gabapentin", "thiamine"],
                    outcomes: i % 3 == 2 ? [(3, OutcomeStatus.Unchanged)] : [(4, OutcomeStatus.Improved), (30, OutcomeStatus.Resolved)]));
            }
        }

        public async Task DisposeAsync() => await ((IAsyncLifetime)App).DisposeAsync();
    }

    private readonly HttpClient _client = known.App.CreateClient();

    /// <summary>A page, keeping only this fixture's cases (the database also holds the two seed cases).</summary>
    private async Task<CasePage> Page(string query)
    {
        var page = await (await _client.GetAsync($"/api/v1/cases?{query}")).ReadAs<CasePage>(HttpStatusCode.OK);
        return page with { Items = page.Items.Where(c => c.HospitalId == known.Beijing || c.HospitalId == known.Harbin).ToList() };
    }

    [Fact]
    public async Task Filters_combine_and_match_only_cases_that_fit_all_of_them()
    {
        var page = await Page("drug=gabapentin&sex=male&minAge=40&maxAge=70");

        Assert.NotEmpty(page.Items);
        Assert.All(page.Items, c =>
        {
            Assert.Contains("gabapentin", c.Drugs);
            Assert.Equal(Sex.Male, c.Sex);
            Assert.InRange(c.AgeAtPresentation, 40, 70);
        });
        Assert.Equal([35 + 10, 35 + 20, 35 + 30], page.Items.Select(c => c.AgeAtPresentation).Order());
    }

    [Fact]
    public async Task Outcome_filter_uses_the_final_outcome()
    {
        var unchanged = await Page("outcome=unchanged");
        var resolved = await Page("outcome=resolved&limit=200");

        Assert.Equal(4, unchanged.Items.Count);
        Assert.Equal(8, resolved.Items.Count);
        Assert.All(resolved.Items, c => Assert.Equal(new FinalOutcome(OutcomeStatus.Resolved, 30, 4), c.FinalOutcome));
    }

    [Fact]
    public async Task Hospital_side_and_partial_date_filters_apply()
    {
        var harbin = await Page($"hospitalId={known.Harbin}");
        var right = await Page("side=right");
        var in2016 = await Page("from=2016&to=2016");

        Assert.Equal(4, harbin.Items.Count);
        Assert.All(harbin.Items, c => Assert.Equal(known.Harbin, c.HospitalId));
        Assert.Equal(3, right.Items.Count);
        Assert.Equal(["2016-03", "2016-04"], in2016.Items.Select(c => c.PresentationDate).Order());
    }

    [Fact]
    public async Task Paging_by_cursor_visits_every_case_once_in_order()
    {
        var seen = new List<CaseSummary>();
        string? cursor = null;
        do
        {
            var page = await Page($"sort=age&limit=5{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.True(page.Items.Count <= 5);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);

        var ages = seen.Select(c => c.AgeAtPresentation).ToList();
        Assert.True(ages.Count >= 12);
        Assert.Equal(ages.Order(), ages);
        Assert.Equal(seen.Count, seen.Select(c => c.Id).Distinct().Count());
    }

    [Theory]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("minAge=-1", "minAge")]
    [InlineData("minAge=60&maxAge=50", "maxAge")]
    [InlineData("maxAge=-1", "maxAge")]
    [InlineData("minAge=abc", "minAge")]
    [InlineData("sex=woman", "sex")]
    [InlineData("outcome=cured", "outcome")]
    [InlineData("side=middle", "side")]
    [InlineData("drug=unobtainium", "drug")]
    [InlineData("from=2019-13", "from")]
    [InlineData("from=2020&to=2019", "to")]
    [InlineData("sort=name", "sort")]
    [InlineData("cursor=garbage", "cursor")]
    [InlineData("hospitalId=not-a-uuid", "hospitalId")]
    public async Task Bad_query_parameters_are_400_problems_naming_the_parameter(string query, string parameter)
    {
        var response = await _client.GetAsync($"/api/v1/cases?{query}");

        await response.ReadValidationProblem(parameter);
    }

    [Fact]
    public async Task Cursor_from_another_sort_order_is_rejected()
    {
        var page = await Page("sort=age&limit=2");

        var response = await _client.GetAsync($"/api/v1/cases?sort=-age&limit=2&cursor={page.NextCursor}");

        await response.ReadValidationProblem("cursor");
    }
}

/// <summary>Inserts during paging, so it runs on a database of its own.</summary>
public sealed class CasePagingStabilityTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _client = app.CreateClient();

    [Theory]
    [InlineData("-createdAt")]
    [InlineData("createdAt")]
    [InlineData("presentationDate")]
    public async Task Paging_neither_skips_nor_repeats_cases_while_others_are_added(string sort)
    {
        var hospital = await _client.CreateHospitalAsync($"Stable {sort}");
        var original = new List<Guid>();
        for (var i = 0; i < 7; i++)
            original.Add((await _client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: $"S-{i}", presentation: $"201{i}-0{1 + i}"))).Id);
        var url = $"/api/v1/cases?sort={sort}&limit=3&hospitalId={hospital}";

        var first = await (await _client.GetAsync(url)).ReadAs<CasePage>(HttpStatusCode.OK);
        await _client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "LATE", presentation: "2009-01"));
        var rest = new List<CaseSummary>();
        for (var cursor = first.NextCursor; cursor is not null;)
        {
            var page = await (await _client.GetAsync($"{url}&cursor={cursor}")).ReadAs<CasePage>(HttpStatusCode.OK);
            rest.AddRange(page.Items);
            cursor = page.NextCursor;
        }

        var seen = first.Items.Concat(rest).Select(c => c.Id).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(original, id => Assert.Contains(id, seen));
    }
}
