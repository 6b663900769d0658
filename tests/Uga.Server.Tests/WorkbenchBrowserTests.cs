using System.Diagnostics;
using Microsoft.Playwright;

namespace Uga.Server.Tests;

/// <summary>
/// The loop in a real browser (Debian's chromium driven by Playwright, never a downloaded one) against the real
/// `uga serve`: open the workspace, see the uncertainty overlay, take candidate 1, draw a tumour region, save,
/// fine-tune in the background while the page follows its progress, and arrive at v2 with a new queue.
/// Screenshots of each step go to TestResults/workbench beside the test binary.
/// </summary>
public sealed class WorkbenchBrowserTests(WorkbenchFixture fixture)
{
    public const string Chromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    [Fact]
    public async Task A_pathologist_annotates_candidate_1_and_fine_tunes_to_v2_with_a_new_queue()
    {
        Assert.SkipUnless(File.Exists(Chromium), $"{Chromium} is not installed (scripts/setup.sh --browser installs it)");
        using var dir = new TempDir();
        var ws = fixture.Copy(dir);
        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "workbench")).FullName;
        int port = FreePort();
        var address = $"http://127.0.0.1:{port}/";
        using var server = UgaProcess.Start(null, "serve", "--workspace", ws, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--finetune-steps", "30");
        try
        {
            await Ready(server, address);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e);
            // OpenSeadragon warns whenever viewport coordinates are used with more than one image open; the overlays
            // share the slide's size and position, so they are exact here.
            page.Console += (_, m) => { if (m.Type == "error" && !m.Text.Contains("is not accurate with multi-image", StringComparison.Ordinal)) errors.Add(m.Text + " " + m.Location); };
            var overlay = page.WaitForResponseAsync(r => r.Url.Contains("/overlay/uncertainty/", StringComparison.Ordinal) && r.Status == 200);

            await page.GotoAsync(address);
            await page.Locator("body[data-ready=true]").WaitForAsync(new() { Timeout = 30_000 });
            await overlay; // the heatmap's tiles came from the server
            await page.Locator("#author").FillAsync("dr-ada");
            await page.Locator("#author").BlurAsync(); // shortcuts are not taken from text fields
            await Assertions.Expect(page.Locator("#queue li.current")).ToContainTextAsync("1. " + WorkbenchFixture.SlideId);
            await Assertions.Expect(page.Locator("#cand-state")).ToContainTextAsync("model pre-annotation");
            await Task.Delay(1000, TestContext.Current.CancellationToken); // tiles settle
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "1-candidate-1-with-uncertainty.png") });

            // Class tumour (key 2), freehand (key f), one closed stroke in the middle of the view.
            await page.Keyboard.PressAsync("2");
            await page.Keyboard.PressAsync("f");
            int before = await page.EvaluateAsync<int>("uga.anno.getAnnotations().length");
            var box = (await page.Locator("#viewer").BoundingBoxAsync())!;
            double cx = box.X + (box.Width / 2), cy = box.Y + (box.Height / 2);
            await page.Mouse.MoveAsync((float)(cx - 60), (float)(cy - 60));
            await page.Mouse.DownAsync();
            foreach (var (dx, dy) in new[] { (60, -70), (70, 0), (50, 60), (0, 70), (-60, 50), (-70, 0) })
                await page.Mouse.MoveAsync((float)(cx + dx), (float)(cy + dy), new() { Steps = 5 });
            await page.Mouse.UpAsync();
            Assert.Equal(before + 1, await page.EvaluateAsync<int>("uga.anno.getAnnotations().length"));
            Assert.Equal("tumour", await page.EvaluateAsync<string>("uga.anno.getAnnotations().at(-1).bodies[0].value"));
            // Brush (b) a short tumour stroke out of the region, then erase (e) across it: both answered by the server.
            foreach (var (key, kind, y) in new[] { ("b", "brush", cy), ("e", "eraser", cy + 30) })
            {
                await page.Keyboard.PressAsync(key);
                var answer = page.WaitForResponseAsync(r => r.Url.EndsWith("/api/strokes/" + kind, StringComparison.Ordinal));
                await page.Mouse.MoveAsync((float)(cx - 20), (float)y);
                await page.Mouse.DownAsync();
                await page.Mouse.MoveAsync((float)(cx + 110), (float)y, new() { Steps = 8 });
                await page.Mouse.UpAsync();
                Assert.Equal(200, (await answer).Status);
            }
            await Assertions.Expect(page.Locator("#message")).Not.ToHaveClassAsync("error");
            Assert.Equal("tumour", await page.EvaluateAsync<string>("uga.anno.getAnnotations().at(-1).bodies[0].value"));
            await page.Keyboard.PressAsync("Escape");
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "2-tumour-drawn.png") });

            await page.Locator("#save").ClickAsync();
            await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("saved candidate 1", new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("#queue li").First).ToContainTextAsync("annotated · dr-ada");

            await page.Locator("#finetune").ClickAsync();
            await Assertions.Expect(page.Locator("#job-text")).ToContainTextAsync("fine-tune: train member", new() { Timeout = 60_000 });
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "3-fine-tuning.png") });
            await Assertions.Expect(page.Locator("#job-text")).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 300_000 });
            // The page followed the fine-tuning to its last step (every member) and the prediction to its last patch.
            Assert.True(await page.EvaluateAsync<bool>("uga.state.jobEvents.some(p => p.step === 'fine-tune' && p.stage.endsWith('2/2') && p.done === p.total && p.total === 30)"));
            Assert.True(await page.EvaluateAsync<bool>("uga.state.jobEvents.some(p => p.step === 'predict' && p.done === p.total)"));
            await Assertions.Expect(page.Locator("#version")).ToHaveTextAsync("v2");
            await Assertions.Expect(page.Locator("#round")).ToHaveTextAsync("r2");
            await Assertions.Expect(page.Locator("#queue li")).Not.ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("#queue li").First).ToContainTextAsync("open");
            await Assertions.Expect(page.Locator("#history tr[data-version=v2]")).ToContainTextAsync("v1");
            await Assertions.Expect(page.Locator("#job-progress")).ToHaveJSPropertyAsync("value", 1);
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "4-v2-next-round.png") });
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Waits until the server answers (or has exited, which fails the test with what it printed).
    private static async Task Ready(Process server, string address)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) }) { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited) Assert.Fail($"uga serve exited: {await server.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}");
            try
            {
                if ((await http.GetAsync(address + "api/workspace", TestContext.Current.CancellationToken)).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"uga serve did not answer at {address} within 60 s");
    }
}
