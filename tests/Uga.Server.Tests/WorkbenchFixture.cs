using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;

[assembly: AssemblyFixture(typeof(Uga.Server.Tests.WorkbenchFixture))]

namespace Uga.Server.Tests;

/// <summary>
/// A small real workspace, built once with the real `uga`: a 3-class model (2 U-Nets, 30 steps) trained on two
/// phantom centre-A images, one 1536² phantom centre-B slide with its reference label slide, and round r1 of 4
/// candidates ranked with pre-annotations. Tests that change it work on a copy.
/// </summary>
public sealed class WorkbenchFixture : IAsyncLifetime
{
    private readonly TempDir dir = new();

    public string Workspace => dir.File("ws");
    public string SlidePath => dir.File(Path.Combine("slides", "phantom-B-000.tif"));
    public const string SlideId = "phantom-B-000";

    public async ValueTask InitializeAsync()
    {
        await Task.Run(() =>
        {
            foreach (string[] step in new[]
            {
                new[] { "data", "phantom", "--centre", "A", "--slides", "2", "--size", "512", "--format", "dataset", "--out", dir.File("data") },
                ["train", "--data", dir.File("data"), "--data-spacing", "0.5", "--out", dir.File("model"), "--members", "2", "--steps", "30",
                    "--patch", "64", "--spacing", "2", "--depth", "2", "--classes", "background,benign,tumour", "--threads", "1"],
                ["data", "phantom", "--centre", "B", "--slides", "1", "--size", "1536", "--out", dir.File("slides")],
                ["workspace", "init", "--workspace", Workspace, "--model", dir.File("model"), "--data", dir.File("data"), "--data-spacing", "0.5"],
                ["workspace", "add-slides", "--workspace", Workspace, SlidePath],
                ["rank", "--workspace", Workspace, "--k", "4", "--patch", "64", "--pre-annotate", "--threads", "1"],
            })
            {
                var r = UgaProcess.Run(step);
                if (r.ExitCode != 0) throw new InvalidOperationException($"uga {string.Join(' ', step)} failed: {r.Error}");
            }
        });
    }

    /// <summary>A copy of the workspace a test may change.</summary>
    public string Copy(TempDir into) => TempDir.CopyTree(Workspace, into.File("ws"));

    /// <summary>The workbench on <paramref name="workspace"/> in the test server, with a client.</summary>
    public static async Task<(WebApplication App, HttpClient Client)> Serve(string workspace, Func<WorkbenchOptions, WorkbenchOptions>? change = null)
    {
        var options = new WorkbenchOptions { Workspace = workspace, Uga = UgaCommand.Dll(AppContext.BaseDirectory), FineTuneSteps = 3 };
        options = (change?.Invoke(options) ?? options).Resolve();
        var app = WorkbenchApp.Create(options, b => b.WebHost.UseTestServer());
        await app.StartAsync(TestContext.Current.CancellationToken);
        var client = app.GetTestClient();
        if (options.Token is { } token) client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return (app, client);
    }

    public static async Task<T> Json<T>(HttpClient client, string path) =>
        (await client.GetFromJsonAsync<T>(path, Submission.Json, TestContext.Current.CancellationToken))!;

    public ValueTask DisposeAsync()
    {
        dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
