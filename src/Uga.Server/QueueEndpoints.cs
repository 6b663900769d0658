using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uga.Server;

/// <summary>The queue, one candidate's annotation (open, save, skip), exports, and the background job with its event stream.</summary>
internal static class QueueEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/queue", (string? round, QueueService queue) =>
        {
            var (id, items) = queue.Queue(round);
            return Results.Json(new { round = id, candidates = items });
        });
        app.MapGet("/api/candidates/{id:long}", (long id, QueueService queue) => Results.Json(queue.Open(id)));
        app.MapPut("/api/candidates/{id:long}", async (long id, HttpRequest request, QueueService queue, WorkbenchOptions options) =>
            Results.Json(queue.Save(id, await Body<SaveRequest>(request, options))));
        app.MapPost("/api/candidates/{id:long}/skip", async (long id, HttpRequest request, QueueService queue, WorkbenchOptions options) =>
            Results.Json(queue.Skip(id, await Body<SkipRequest>(request, options))));
        // Brush and eraser strokes on the page's unsaved regions; nothing is stored.
        app.MapPost("/api/strokes/{kind}", async (string kind, HttpRequest request, WorkspaceAccess access, WorkbenchOptions options) =>
        {
            var stroke = await Body<StrokeRequest>(request, options);
            using var ws = access.Open();
            var classes = QueueService.ClassNames(ws);
            return kind switch
            {
                "brush" => Results.Json(new { regions = BrushStrokes.Paint(stroke, classes, options.MaxVertices) }),
                "eraser" => Results.Json(new { regions = BrushStrokes.Erase(stroke, classes, options.MaxVertices) }),
                _ => throw new KeyNotFoundException($"no stroke '{kind}' (brush or eraser)"),
            };
        });
        app.MapGet("/api/export/{slide}", (string slide, string? format, QueueService queue) =>
        {
            var (bytes, name, type) = queue.Export(slide, format ?? "geojson");
            return Results.File(bytes, type, name);
        });

        app.MapPost("/api/jobs", async (HttpRequest request, JobRunner jobs, WorkbenchOptions options) =>
        {
            var body = request.ContentLength is > 0 ? await Body<JobRequest>(request, options) : new JobRequest();
            if (body.Steps is < 1 or > 100_000 || body.K is < 1 or > 1000) throw RequestException.BadRequest("steps must be 1..100000 and k 1..1000");
            var job = jobs.Start(body) ?? throw new RequestException(StatusCodes.Status409Conflict,
                $"job {jobs.Current?.Id} is still running on this workspace; wait for it or cancel it");
            return Results.Json(new { job.Id, job.State }, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapGet("/api/jobs/current", (JobRunner jobs) =>
            jobs.Current is { } j ? Results.Json(new { j.Id, j.State, j.Error }) : Results.Json(new { Id = (string?)null }));
        app.MapDelete("/api/jobs/{id}", (string id, JobRunner jobs) =>
            jobs.CancelCurrent(id) ? Results.Json(new { id, state = "cancelling" }) : throw new KeyNotFoundException($"no running job '{id}'"));
        app.MapGet("/api/jobs/{id}/events", Events);
    }

    // Server-sent events: every event so far (or after Last-Event-ID), then each new one, until the job ends.
    private static async Task Events(string id, HttpContext http, JobRunner jobs)
    {
        var job = jobs.Current is { } j && j.Id == id ? j : throw new KeyNotFoundException($"no job '{id}'");
        int next = int.TryParse(http.Request.Headers["Last-Event-ID"], out var last) ? last + 1 : 0;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var cancel = http.RequestAborted;
        while (!cancel.IsCancellationRequested)
        {
            var (events, more) = job.Since(next);
            foreach (var e in events)
            {
                await http.Response.WriteAsync($"id: {e.Seq}\nevent: {e.Type}\ndata: {JsonSerializer.Serialize(e, Submission.Json)}\n\n", cancel);
                next = e.Seq + 1;
                if (e.Type == "end") return;
            }
            await http.Response.Body.FlushAsync(cancel);
            await Task.WhenAny(more, Task.Delay(TimeSpan.FromSeconds(15), cancel));
            if (!more.IsCompleted) await http.Response.WriteAsync(": keep-alive\n\n", cancel);
        }
    }

    // The body within the size limit (Kestrel enforces it too; the test server does not), as JSON of T.
    private static async Task<T> Body<T>(HttpRequest request, WorkbenchOptions options)
    {
        if (request.ContentLength > options.MaxBodyBytes)
            throw new RequestException(StatusCodes.Status413PayloadTooLarge, $"request body of {request.ContentLength} bytes; the limit is {options.MaxBodyBytes}");
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > options.MaxBodyBytes)
                throw new RequestException(StatusCodes.Status413PayloadTooLarge, $"request body over the limit of {options.MaxBodyBytes} bytes");
        }
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.ToArray(), Submission.Json) ?? throw RequestException.BadRequest("empty JSON body");
        }
        catch (JsonException e)
        {
            throw RequestException.BadRequest($"malformed JSON: {e.Message}");
        }
    }
}
