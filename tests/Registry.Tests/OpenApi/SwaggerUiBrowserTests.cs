using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Registry.Tests.OpenApi;

/// <summary>
/// Swagger UI as a developer meets it: a real headless Chromium (Debian's chromium package, driven by
/// Microsoft.Playwright) against the API listening on a real port. One browser per class; every test gets a
/// fresh browser context, so nothing (an authorization, a cookie) carries over between tests. A failing test
/// leaves a screenshot in TestResults/swagger-ui/.
/// </summary>
public sealed class SwaggerUiBrowserTests(SwaggerUiBrowserTests.Browser browser) : IClassFixture<SwaggerUiBrowserTests.Browser>
{
    private const string SeedCase = "tiantan-2019-04-hfs-gabapentin";

    [Fact]
    public Task Swagger_UI_renders_the_documented_operations() => browser.OnPageAsync(nameof(Swagger_UI_renders_the_documented_operations), async page =>
    {
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);

        await OpenSwaggerUiAsync(page);

        await Assertions.Expect(page.Locator(".info .title")).ToContainTextAsync("HFS Registry API");
        foreach (var operation in new[] { "Cases-ListCases", "Cases-CreateCase", "Analytics-OutcomesByDrug", "Health-Ready" })
            await Assertions.Expect(page.Locator($"#operations-{operation}")).ToBeVisibleAsync();
        Assert.Empty(errors);
    });

    [Fact]
    public Task Try_it_out_on_GET_cases_shows_the_seeded_case() => browser.OnPageAsync(nameof(Try_it_out_on_GET_cases_shows_the_seeded_case), async page =>
    {
        // The admin key goes on every API request at the network level, so this holds before and after
        // authentication (issue 4); the Authorize dialog itself is the next test's subject.
        await page.RouteAsync("**/api/v1/**", route => route.ContinueAsync(new RouteContinueOptions
        {
            Headers = new Dictionary<string, string>(route.Request.Headers) { ["authorization"] = $"Bearer {DevelopmentKeys.Admin}" },
        }));
        await OpenSwaggerUiAsync(page);

        var response = await ExecuteListCasesAsync(page);

        await AssertSeedCaseListedAsync(response);
    });

    [Fact]
    public Task Authorizing_with_the_admin_key_in_the_Authorize_dialog_lets_Try_it_out_read_cases() =>
        browser.OnPageAsync(nameof(Authorizing_with_the_admin_key_in_the_Authorize_dialog_lets_Try_it_out_read_cases), async page =>
        {
            await OpenSwaggerUiAsync(page);

            await page.Locator(".auth-wrapper button.authorize").ClickAsync();
            var dialog = page.Locator(".modal-ux");
            await Assertions.Expect(dialog).ToContainTextAsync("Bearer");
            await dialog.Locator("input").First.FillAsync(DevelopmentKeys.Admin);
            await dialog.Locator("button.authorize").ClickAsync();
            await Assertions.Expect(dialog.Locator("button", new() { HasTextString = "Logout" })).ToBeVisibleAsync(); // the key is held
            await dialog.Locator("button.btn-done, button.close-modal").First.ClickAsync();

            var response = await ExecuteListCasesAsync(page);

            await Assertions.Expect(page.Locator("#operations-Cases-ListCases .curl-command"))
                .ToContainTextAsync($"Authorization: Bearer {DevelopmentKeys.Admin}");
            await AssertSeedCaseListedAsync(response);
        });

    [Fact]
    public Task Try_it_out_without_authorizing_shows_the_401_problem() =>
        browser.OnPageAsync(nameof(Try_it_out_without_authorizing_shows_the_401_problem), async page =>
        {
            await OpenSwaggerUiAsync(page);

            var response = await ExecuteListCasesAsync(page);

            await Assertions.Expect(response.Locator(".response-col_status").First).ToHaveTextAsync("401");
            var description = response.Locator(".response-col_description").First;
            await Assertions.Expect(description).ToContainTextAsync("application/problem+json");
            await Assertions.Expect(description).ToContainTextAsync("\"status\": 401");
            await Assertions.Expect(description).ToContainTextAsync("www-authenticate: Bearer");
            await Assertions.Expect(description).Not.ToContainTextAsync(SeedCase);
        });

    [Fact]
    public Task Try_it_out_on_the_bulk_data_kick_off_sends_prefer_respond_async_and_shows_the_202() =>
        browser.OnPageAsync(nameof(Try_it_out_on_the_bulk_data_kick_off_sends_prefer_respond_async_and_shows_the_202), async page =>
        {
            await page.RouteAsync("**/api/v1/**", route => route.ContinueAsync(new RouteContinueOptions
            {
                Headers = new Dictionary<string, string>(route.Request.Headers) { ["authorization"] = $"Bearer {DevelopmentKeys.Admin}" },
            }));
            await OpenSwaggerUiAsync(page);

            var response = await ExecuteAsync(page, "FHIR-KickOffSystemBulkExport");

            await Assertions.Expect(response.Locator(".response-col_status").First).ToHaveTextAsync("202");
            await Assertions.Expect(page.Locator("#operations-FHIR-KickOffSystemBulkExport .curl-command")).ToContainTextAsync("Prefer: respond-async");
            await Assertions.Expect(response.Locator(".response-col_description").First).ToContainTextAsync("content-location");
        });

    private async Task OpenSwaggerUiAsync(IPage page)
    {
        await page.GotoAsync($"{browser.BaseAddress}/swagger/index.html");
        await Assertions.Expect(page.Locator("#operations-Cases-ListCases")).ToBeVisibleAsync();
    }

    /// <summary>The answer Swagger UI shows: 200, and the seeded case in the body.</summary>
    private static async Task AssertSeedCaseListedAsync(ILocator response)
    {
        await Assertions.Expect(response.Locator(".response-col_status").First).ToHaveTextAsync("200");
        await Assertions.Expect(response.Locator(".response-col_description").First).ToContainTextAsync(SeedCase);
    }

    private static Task<ILocator> ExecuteListCasesAsync(IPage page) => ExecuteAsync(page, "Cases-ListCases");

    /// <summary>Expands an operation (tag-operationId), presses "Try it out" (when the UI does not start in it) and "Execute".</summary>
    private static async Task<ILocator> ExecuteAsync(IPage page, string operationId)
    {
        var operation = page.Locator($"#operations-{operationId}");
        await operation.Locator(".opblock-summary").First.ClickAsync();
        var tryItOut = operation.Locator("button.try-out__btn", new() { HasTextString = "Try it out" });
        if (await tryItOut.IsVisibleAsync()) await tryItOut.ClickAsync();
        await operation.Locator("button.execute").ClickAsync();
        var response = operation.Locator(".live-responses-table .response");
        await Assertions.Expect(response.First).ToBeVisibleAsync();
        return response;
    }

    /// <summary>The API on a real port (Kestrel on 127.0.0.1, random port) and one headless Chromium for the class.</summary>
    public sealed class Browser : IAsyncLifetime
    {
        private readonly KestrelRegistryApp _app = new();
        private IPlaywright? _playwright;
        private IBrowser? _browser;

        public string BaseAddress { get; private set; } = "";

        public async Task InitializeAsync()
        {
            await _app.InitializeAsync();
            _app.StartServer();
            BaseAddress = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
                .Addresses.First().TrimEnd('/');

            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                // Debian's chromium, never a Playwright browser download (none can be fetched here). Playwright
                // gives every launch a fresh temporary profile (user-data dir) of its own.
                ExecutablePath = ChromiumExecutable(),
                Headless = true,
                Args =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                ],
            });
        }

        /// <summary>REGISTRY_TEST_CHROMIUM, or Debian's /usr/bin/chromium, installed when missing.</summary>
        internal static string ChromiumExecutable()
        {
            if (Environment.GetEnvironmentVariable("REGISTRY_TEST_CHROMIUM") is { Length: > 0 } given) return given;
            const string debian = "/usr/bin/chromium";
            if (!File.Exists(debian)) DebianPackages.Install("chromium", "the Swagger UI tests drive it headless");
            return debian;
        }

        /// <summary>Runs <paramref name="test"/> on a page of a fresh context; screenshots the page if it fails.</summary>
        public async Task OnPageAsync(string name, Func<IPage, Task> test)
        {
            await using var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 1600 } });
            context.SetDefaultTimeout(15_000);
            Assertions.SetDefaultExpectTimeout(15_000);
            var page = await context.NewPageAsync();
            try
            {
                await test(page);
            }
            catch
            {
                var shot = Path.Combine(ResultsDirectory(), $"{name}.png");
                // The viewport where the test stopped (the whole page is ~10,000 px tall and unreadable).
                try { await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, Timeout = 5_000 }); }
                catch (PlaywrightException) { /* the failure itself matters more than its picture */ }
                throw;
            }
        }

        public async Task DisposeAsync()
        {
            if (_browser is not null) await _browser.DisposeAsync();
            _playwright?.Dispose();
            await ((IAsyncLifetime)_app).DisposeAsync();
        }

        /// <summary>TestResults/swagger-ui/ at the repository root (found by Registry.sln), else beside the test binaries.</summary>
        private static string ResultsDirectory()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Registry.sln"))) dir = dir.Parent;
            return Directory.CreateDirectory(Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "TestResults", "swagger-ui")).FullName;
        }
    }

    /// <summary>The usual test API (its own database cloned from the template), listening on a real port for the browser.</summary>
    private sealed class KestrelRegistryApp : RegistryApp
    {
        public KestrelRegistryApp() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting(DevelopmentKeys.Setting, "true");
        }
    }
}
