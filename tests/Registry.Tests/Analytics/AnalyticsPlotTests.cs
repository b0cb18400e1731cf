using Microsoft.Playwright;
using Registry.Api.Analytics;
using Registry.Api.Outcomes;
using Registry.Tests.OpenApi;

namespace Registry.Tests.Analytics;

/// <summary>The plots as a reader meets them: each SVG loaded in the suite's headless Chromium (Debian's, driven by Playwright).</summary>
public sealed class AnalyticsPlotTests(RegistryApp app, AnalyticsPlotTests.Chromium chromium) : ApiTests(app), IClassFixture<AnalyticsPlotTests.Chromium>
{
    [Fact]
    public async Task Time_to_improvement_svg_draws_one_curve_per_group_with_axis_labels_and_numbers_at_risk()
    {
        var hospital = await CreateCasesAsync("Plot KM");

        var response = await Client.GetAsync($"/api/v1/analytics/time-to-improvement?hospitalId={hospital}&groupBy=combination&format=svg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        var page = await chromium.OpenSvgAsync(await response.Content.ReadAsStringAsync());
        // The curves are the 2-pixel lines that step down as laid out by the browser (the legend's samples are flat).
        Assert.Equal(2, await page.EvaluateAsync<int>(
            "[...document.querySelectorAll('path[stroke-width=\"2\"]')].filter(p => p.getBBox().height > 10).length"));
        var texts = (await page.Locator("svg text").AllTextContentsAsync()).Select(t => t.Trim()).ToList();
        Assert.Contains(AnalyticsPlots.SurvivalXLabel, texts);
        Assert.Contains(AnalyticsPlots.SurvivalYLabel, texts);
        Assert.Contains("At risk: baclofen", texts);
        Assert.Contains("At risk: clonazepam", texts);
        var box = await page.Locator("svg text", new() { HasTextString = AnalyticsPlots.SurvivalXLabel }).First.BoundingBoxAsync();
        Assert.True(box is { Width: > 50, Height: > 5 }, "the x-axis label is laid out");
    }

    [Fact]
    public async Task Drug_comparison_svg_draws_outcome_bars_per_arm_and_png_is_a_png()
    {
        var hospital = await CreateCasesAsync("Plot bars");

        var svg = await Client.GetAsync($"/api/v1/analytics/drug-comparison?drug=baclofen&hospitalId={hospital}&format=svg");
        var png = await Client.GetAsync($"/api/v1/analytics/time-to-improvement?hospitalId={hospital}&format=png");

        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        var page = await chromium.OpenSvgAsync(await svg.Content.ReadAsStringAsync());
        var texts = (await page.Locator("svg text").AllTextContentsAsync()).Select(t => t.Trim()).ToList();
        Assert.Contains(AnalyticsPlots.OutcomesXLabel, texts);
        Assert.Contains("baclofen", texts);
        Assert.Contains("not baclofen", texts);
        Assert.Contains("unchanged", texts);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await png.Content.ReadAsByteArrayAsync())[..4]);
    }

    private async Task<Guid> CreateCasesAsync(string name)
    {
        var hospital = await Client.CreateHospitalAsync(name);
        (string Drug, int Day, OutcomeStatus Status)[] cases =
        [
            ("baclofen", 3, OutcomeStatus.Improved), ("baclofen", 8, OutcomeStatus.Unchanged), ("baclofen", 12, OutcomeStatus.Resolved),
            ("clonazepam", 5, OutcomeStatus.Improved), ("clonazepam", 9, OutcomeStatus.Worsened), ("clonazepam", 20, OutcomeStatus.Improved),
        ];
        for (var i = 0; i < cases.Length; i++)
            await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: $"{name}-{i}", drugs: [cases[i].Drug],
                outcomes: [(cases[i].Day, cases[i].Status)]));
        return hospital;
    }

    /// <summary>One headless Chromium for the class.</summary>
    public sealed class Chromium : IAsyncLifetime
    {
        private IPlaywright? _playwright;
        private IBrowser? _browser;

        public async Task InitializeAsync()
        {
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = SwaggerUiBrowserTests.Browser.ChromiumExecutable(),
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
            });
        }

        /// <summary>A page showing the SVG as its own document, as a browser opens an .svg file.</summary>
        public async Task<IPage> OpenSvgAsync(string svg)
        {
            var page = await _browser!.NewPageAsync();
            await page.GotoAsync("data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(svg)));
            return page;
        }

        public async Task DisposeAsync()
        {
            if (_browser is not null) await _browser.DisposeAsync();
            _playwright?.Dispose();
        }
    }
}
