using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Uga.Imaging;
using Uga.Loop.Workspace.Store;

namespace Uga.Server;

/// <summary>
/// Builds the workbench: API under /api, the page from wwwroot. Errors become JSON { error } with 400 (malformed),
/// 401 (token), 404 (unknown id), 409 (stale save, job running), 413 (too large); nothing is stored on any of them.
/// </summary>
public static class WorkbenchApp
{
    /// <summary>
    /// The app for <paramref name="options"/> (already <see cref="WorkbenchOptions.Resolve"/>d). Without
    /// <paramref name="configure"/> it listens with Kestrel on Host:Port; tests swap in the test server there.
    /// </summary>
    public static WebApplication Create(WorkbenchOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders(); // a library never prints; the CLI says what it serves
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            k.AddServerHeader = false;
            if (configure is null) k.Listen(options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host), options.Port);
        });
        var access = new WorkspaceAccess(options.Workspace);
        using (access.Open()) { } // a missing or unreadable workspace fails here, before anything listens
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(access);
        builder.Services.AddSingleton(new TileCache(options.TileCacheBytes));
        builder.Services.AddSingleton<OverlayTiles>();
        builder.Services.AddSingleton<QueueService>();
        builder.Services.AddSingleton<HistoryService>();
        builder.Services.AddSingleton<JobRunner>();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Use(Errors);
        app.Use(new TokenGate(options).Invoke);
        if (Directory.Exists(root))
        {
            var files = new PhysicalFileProvider(root);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        }
        ViewerEndpoints.Map(app);
        QueueEndpoints.Map(app);
        return app;
    }

    // One place turns exceptions into answers, so every endpoint refuses the same way.
    private static async Task Errors(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && Status(e) is { } status)
        {
            context.Response.Clear();
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(new { error = ImageFile.FirstLine(e.Message) });
        }
    }

    private static int? Status(Exception e) => e switch
    {
        RequestException r => r.Status,
        StaleRevisionException => StatusCodes.Status409Conflict,
        KeyNotFoundException => StatusCodes.Status404NotFound,
        BadHttpRequestException b => b.StatusCode,
        InvalidInputException => StatusCodes.Status400BadRequest,
        System.Text.Json.JsonException => StatusCodes.Status400BadRequest,
        _ => null,
    };
}
