using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Registry.Load;

/// <summary>
/// wrk as the HTTP load generator. It spends a fraction of HttpClient's CPU per request, which matters when the
/// load tool, the API and PostgreSQL share two cores: what the API is measured against should not be the
/// load tool's own cost. Installed by `apt-get install wrk`.
/// </summary>
public static partial class Wrk
{
    public static bool IsInstalled => File.Exists("/usr/bin/wrk") || File.Exists("/usr/local/bin/wrk");

    /// <summary>Runs wrk with a Lua script against the API for the given time; latencies from wrk's own distribution.</summary>
    public static async Task<Measurement> RunAsync(Uri baseAddress, int connections, TimeSpan duration, string lua)
    {
        var script = Path.Combine(Path.GetTempPath(), $"hfs-wrk-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, lua);
        try
        {
            var psi = new ProcessStartInfo("wrk",
            [
                "-t", Math.Min(2, connections).ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                "-d", $"{(int)duration.TotalSeconds}s", "--latency", "-s", script, baseAddress.ToString(),
            ]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(psi)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException($"wrk failed: {error}{output}");
            return Parse(output, duration);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Lua for wrk: a GET of a whole case per request, rotating through the ids in the file.</summary>
    public static string WholeCaseReads(string idsFile, string apiKey) => Prologue(idsFile, apiKey) + """
        function request() return wrk.format("GET", "/api/v1/cases/" .. nextId()) end
        """;

    /// <summary>
    /// Lua for wrk: the mixed CRUD load. Per request: 60% GET a whole case, 15% a filtered GET /cases page, 15% POST a
    /// new whole case (a template with a fresh sourceCaseId and pseudonym each time), 10% PUT a case this thread
    /// has just read, with its ETag as If-Match (a whole-case replace keeping its patient and sourceCaseId).
    /// </summary>
    /// <param name="postTemplatesFile">Case documents, one per line, holding __SERIAL__ where a unique value goes.</param>
    /// <param name="putTemplate">A case document holding "__PATIENT__", "__HOSPITAL__" and "__SOURCE__".</param>
    /// <param name="mix">Percentages of whole-case GETs, list pages, POSTs and PUTs, adding up to 100. A PUT needs a case
    /// this thread has read: with no GETs in the mix it reads one first, and that read is counted as a request.</param>
    public static string MixedCrud(string idsFile, string postTemplatesFile, string putTemplate, IEnumerable<string> listQueries, string apiKey,
        Mix mix) =>
        Prologue(idsFile, apiKey) + $$"""
        local posts = {}
        for line in io.lines("{{postTemplatesFile}}") do posts[#posts + 1] = line end
        local queries = { {{string.Join(", ", listQueries.Select(q => $"\"{q}\""))}} }
        local put = [==[{{putTemplate}}]==]
        -- Unique per run too: a warm-up run of the same script comes first, and its cases must not be re-posted.
        local n, pending, started = 0, {}, os.time()

        function request()
          n = n + 1
          local roll = (n * 37) % 100
          if roll >= {{100 - mix.Put}} and #pending > 0 then
            local c = table.remove(pending)
            local body = put:gsub('"__PATIENT__"', '"' .. c.patient .. '"'):gsub('"__HOSPITAL__"', '"' .. c.hospital .. '"')
                            :gsub('"__SOURCE__"', c.source)
            return wrk.format("PUT", "/api/v1/cases/" .. c.id,
              { ["Authorization"] = auth, ["Content-Type"] = "application/json", ["If-Match"] = c.etag }, body)
          elseif roll >= {{mix.Get + mix.List}} and roll < {{100 - mix.Put}} then
            local body = posts[n % #posts + 1]:gsub("__SERIAL__", started .. "-" .. tid .. "-" .. n)
            return wrk.format("POST", "/api/v1/cases", { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, body)
          elseif roll >= {{mix.Get}} and roll < {{mix.Get + mix.List}} then
            return wrk.format("GET", "/api/v1/cases?limit=20&" .. queries[n % #queries + 1])
          end
          return wrk.format("GET", "/api/v1/cases/" .. nextId())
        end

        function response(status, headers, body)
          if status ~= 200 or #pending >= 16 or not body:find('"diagnostics"', 1, true) then return end
          local source = body:match('"sourceCaseId":"([^"]*)"')
          pending[#pending + 1] = {
            id = body:match('^{"id":"([^"]+)"'), etag = headers["ETag"],
            patient = body:match('"patientId":"([^"]+)"'), hospital = body:match('"hospitalId":"([^"]+)"'),
            source = source and ('"' .. source .. '"') or "null",
          }
        end
        """;

    /// <summary>
    /// What every script starts with: the ids from a file, one per line (LuaJIT refuses a table literal of twenty
    /// thousand strings), the key on every request, and nextId() rotating through the ids from a random start.
    /// </summary>
    private static string Prologue(string idsFile, string apiKey) => $$"""
        local ids = {}
        for line in io.lines("{{idsFile}}") do ids[#ids + 1] = line end
        local auth = "Bearer {{apiKey}}"
        wrk.headers["Authorization"] = auth
        local threads, i = 0, 0
        function setup(thread) threads = threads + 1; thread:set("tid", threads) end
        -- Each thread's Lua state starts with the same random sequence: unseeded, two threads would read (and the
        -- mixed load then replace) the same cases at the same moments.
        function init(args) math.randomseed(tid * 7919 + os.time()); i = math.random(#ids) end
        local function nextId() i = i + 7919; return ids[i % #ids + 1] end

        """;

    internal static Measurement Parse(string output, TimeSpan duration)
    {
        var line = RequestsLine().Match(output);
        var requests = long.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
        // wrk prints its run time as "59.99s", "1.00m" or "1.00h".
        var seconds = double.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture)
            * line.Groups[3].Value switch { "m" => 60, "h" => 3600, _ => 1 };
        long errors = 0;
        if (NonSuccessLine().Match(output) is { Success: true } non2xx) errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        if (SocketErrorsLine().Match(output) is { Success: true } socket)
            errors += Enumerable.Range(1, 4).Sum(g => long.Parse(socket.Groups[g].Value, CultureInfo.InvariantCulture));
        return new Measurement(requests, errors, TimeSpan.FromSeconds(seconds > 0 ? seconds : duration.TotalSeconds),
            Percentile(output, "50"), Percentile(output, "99"));
    }

    private static double Percentile(string output, string percent)
    {
        var match = Regex.Match(output, $@"^\s+{percent}(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!match.Success) return double.NaN;
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    [GeneratedRegex(@"(\d+) requests in ([\d.]+)(s|m|h)")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccessLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();
}

/// <summary>The shares of the mixed load, in percent: whole-case GETs, filtered list pages, POSTs and PUTs.</summary>
public sealed record Mix(int Get, int List, int Post, int Put)
{
    public static readonly Mix Default = new(60, 15, 15, 10);

    /// <summary>"60,15,15,10" (GET, list, POST, PUT).</summary>
    public static Mix Parse(string text)
    {
        var parts = text.Split(',').Select(int.Parse).ToArray();
        if (parts.Length != 4 || parts.Any(p => p < 0) || parts.Sum() != 100)
            throw new ArgumentException($"--mix takes four percentages adding up to 100 (GET,list,POST,PUT), not '{text}'");
        return new Mix(parts[0], parts[1], parts[2], parts[3]);
    }
}
