using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SkiaSharp;
using Uga.Imaging;
using Uga.Inference.Artifacts;
using Uga.Loop.Workspace;
using Uga.Slides;

namespace Uga.Server.Tests;

public sealed record QueueResponse(string? Round, List<QueueItem> Candidates);

public sealed class WorkbenchApiTests(WorkbenchFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Slide_tiles_at_several_levels_are_the_slides_own_pixels()
    {
        var (app, client) = await WorkbenchFixture.Serve(fixture.Workspace);
        await using var _ = app;
        using var slide = SlideFactory.Open(fixture.SlidePath);
        var geometry = new TileGeometry(slide.Levels[0].Width, slide.Levels[0].Height);
        foreach (var (level, col, row) in new[] { (geometry.MaxLevel, 2, 3), (geometry.MaxLevel - 1, 1, 1), (geometry.MaxLevel - 3, 0, 0) })
        {
            var bytes = await client.GetByteArrayAsync($"/api/slides/{WorkbenchFixture.SlideId}_files/{level}/{col}_{row}.jpeg", Cancel);
            using var bitmap = SKBitmap.Decode(bytes);
            var tile = geometry.Tile(level, col, row)!.Value;
            Assert.Equal((tile.Width, tile.Height), (bitmap.Width, bitmap.Height));
            var expected = slide.ReadRegion(slide.Spacing * geometry.Scale(level), tile);
            var actual = SkiaImages.FromBitmap(bitmap);
            // Equal up to the JPEG encoding: the tile is as far from the slide's pixels as those pixels' own JPEG.
            using var encoded = SKBitmap.Decode(SlideTiles.Jpeg(expected));
            var reference = SkiaImages.FromBitmap(encoded);
            Assert.Equal(reference.Data, actual.Data);
            double shift = Math.Abs(expected.Data.Average(b => (double)b) - actual.Data.Average(b => (double)b));
            Assert.True(shift < 2, $"level {level}: the tile's mean grey level moved by {shift:F2}");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/slides/{WorkbenchFixture.SlideId}_files/{geometry.MaxLevel}/99_0.jpeg", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Label_overlay_tiles_show_the_artifacts_classes_pixel_for_pixel()
    {
        var (app, client) = await WorkbenchFixture.Serve(fixture.Workspace);
        await using var _ = app;
        var artifact = PredictionArtifact.Open(PredictionArtifact.PathFor(Path.Combine(fixture.Workspace, "artifacts"), WorkbenchFixture.SlideId));
        var m = artifact.Manifest;
        var geometry = new TileGeometry(m.SlideWidth, m.SlideHeight);
        int level = geometry.MaxLevel - 2; // one tile pixel = 4 level-0 pixels = the artifact's own pixel (2 µm on 0.5 µm)
        Assert.Equal(4.0, m.SpacingUm / m.SlideSpacingUm);
        var bytes = await client.GetByteArrayAsync($"/api/slides/{WorkbenchFixture.SlideId}/overlay/labels/{level}/0_0.png", Cancel);
        using var bitmap = SKBitmap.Decode(bytes);
        var labels = artifact.ReadLabels(new PixelRegion(0, 0, bitmap.Width, bitmap.Height));
        int foreground = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                byte label = labels[x, y];
                if (label == 0) { Assert.Equal(0, pixel.Alpha); continue; }
                foreground++;
                var colour = OverlayTiles.ClassColour(label);
                Assert.Equal((colour.R, colour.G, colour.B, (byte)255), (pixel.Red, pixel.Green, pixel.Blue, pixel.Alpha));
            }
        Assert.True(foreground > 100, $"only {foreground} foreground pixels in the tile");
        var uncertainty = await client.GetAsync($"/api/slides/{WorkbenchFixture.SlideId}/overlay/uncertainty/{geometry.MaxLevel - 5}/0_0.png", Cancel);
        Assert.Equal(HttpStatusCode.OK, uncertainty.StatusCode);
    }

    [Fact]
    public async Task A_save_lands_in_the_store_and_the_export_and_a_stale_save_gets_409()
    {
        using var dir = new TempDir();
        var ws = fixture.Copy(dir);
        var (app, client) = await WorkbenchFixture.Serve(ws);
        await using var _ = app;
        var queue = await WorkbenchFixture.Json<QueueResponse>(client, "/api/queue");
        Assert.Equal("r1", queue.Round);
        Assert.Equal(4, queue.Candidates.Count);
        var c = queue.Candidates[0];
        var opened = await WorkbenchFixture.Json<CandidateView>(client, $"/api/candidates/{c.Id}");
        Assert.Equal("model", opened.Source);

        var square = Square(c.X + 10, c.Y + 10, 30);
        var first = await client.PutAsJsonAsync($"/api/candidates/{c.Id}", new SaveRequest(0, "ada", [new RegionJson("tumour", square)]), Submission.Json, Cancel);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        // A second annotator who loaded revision 0 too is refused, not silently overwriting ada.
        var stale = await client.PutAsJsonAsync($"/api/candidates/{c.Id}", new SaveRequest(0, "bob", [new RegionJson("benign", square)]), Submission.Json, Cancel);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("ada", await stale.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(ws, "rounds", "r1", "workbench"))); // the refused save wrote nothing

        using (var workspace = LoopWorkspace.Open(ws))
        {
            var saved = workspace.Store.Annotations("r1").Single(a => a.CandidateId == c.Id);
            Assert.Equal(("tumour", "ada"), (saved.ClassName, saved.Author));
            Assert.Single(workspace.Manifest.Rounds[0].Imports);
            Assert.Equal(1, workspace.Store.Reviews("r1").Single().Revision);
        }
        var reopened = await WorkbenchFixture.Json<CandidateView>(client, $"/api/candidates/{c.Id}");
        Assert.Equal(("saved", "annotated", 1), (reopened.Source, reopened.Candidate.State, reopened.Candidate.Revision));
        var export = await client.GetStringAsync($"/api/export/{WorkbenchFixture.SlideId}?format=asap", Cancel);
        Assert.Contains("PartOfGroup=\"tumour\"", export, StringComparison.Ordinal);
        Assert.Contains("UGA 1", export, StringComparison.Ordinal);

        // A later save by ada replaces her first import: training sees one answer per candidate.
        var second = await client.PutAsJsonAsync($"/api/candidates/{c.Id}", new SaveRequest(1, "ada", [new RegionJson("benign", square)]), Submission.Json, Cancel);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        using var after = LoopWorkspace.Open(ws);
        Assert.Single(after.Manifest.Rounds[0].Imports);
        Assert.Equal("benign", after.Store.Annotations("r1").Single(a => a.CandidateId == c.Id).ClassName);
    }

    [Fact]
    public async Task Two_saves_of_one_revision_at_once_store_one_and_refuse_the_other()
    {
        using var dir = new TempDir();
        var ws = fixture.Copy(dir);
        var (app, client) = await WorkbenchFixture.Serve(ws);
        await using var _ = app;
        var c = (await WorkbenchFixture.Json<QueueResponse>(client, "/api/queue")).Candidates[1];
        var answers = await Task.WhenAll(new[] { "ada", "bob" }.Select(author =>
            client.PutAsJsonAsync($"/api/candidates/{c.Id}", new SaveRequest(0, author, [new RegionJson("tumour", Square(c.X, c.Y, 20))]), Submission.Json, Cancel)));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        using var workspace = LoopWorkspace.Open(ws);
        Assert.Single(workspace.Store.Annotations("r1"));
    }

    [Theory]
    [InlineData("{not json", 400, "malformed JSON")]
    [InlineData("""{"revision":0,"regions":[{"class":"stroma","coordinates":[[[[0,0],[9,0],[9,9]]]]}]}""", 400, "unknown class 'stroma'")]
    [InlineData("""{"revision":0,"regions":[{"class":"tumour","coordinates":[[[[0,0],[9,0]]]]}]}""", 400, "fewer than 3 points")]
    [InlineData("""{"revision":0,"regions":[{"class":"tumour","coordinates":[[[[0,0],[1e400,0],[9,9]]]]}]}""", 400, "finite")]
    [InlineData("""{"revision":0}""", 400, "'regions' is missing")]
    [InlineData("""{"revision":0,"author":"a\u0007b","regions":[]}""", 400, "author")]
    public async Task Malformed_saves_are_refused_with_a_reason_and_store_nothing(string body, int status, string reason)
    {
        using var dir = new TempDir();
        var ws = fixture.Copy(dir);
        string before;
        using (var w = LoopWorkspace.Open(ws)) before = w.Snapshot();
        var (app, client) = await WorkbenchFixture.Serve(ws);
        await using var _ = app;
        var answer = await client.PutAsync("/api/candidates/1", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Cancel);
        Assert.Equal(status, (int)answer.StatusCode);
        Assert.Contains(reason, await answer.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        using var after = LoopWorkspace.Open(ws);
        Assert.Equal(before, after.Snapshot());
    }

    [Fact]
    public async Task Oversized_bodies_too_many_vertices_and_paths_instead_of_ids_are_refused()
    {
        var (app, client) = await WorkbenchFixture.Serve(fixture.Workspace, o => o with { MaxBodyBytes = 10_000, MaxVertices = 50 });
        await using var _ = app;
        var big = new StringContent(new string(' ', 20_000) + "{}", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PutAsync("/api/candidates/1", big, Cancel)).StatusCode);
        var ring = Enumerable.Range(0, 60).Select(i => new[] { 100 + (50 * Math.Cos(i / 9.5)), 100 + (50 * Math.Sin(i / 9.5)) }).ToArray();
        var many = await client.PutAsJsonAsync("/api/candidates/1", new SaveRequest(0, "ada", [new RegionJson("tumour", [[ring]])]), Submission.Json, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, many.StatusCode);
        Assert.Contains("limit is 50", await many.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        foreach (var path in new[] { "/api/slides/..%2F..%2F..%2Fetc%2Fpasswd_files/0/0_0.jpeg", "/api/slides/%2Fetc%2Fpasswd.dzi", "/api/slides/nope/legend", "/api/candidates/999" })
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path, Cancel)).StatusCode);
    }

    [Fact]
    public async Task Off_loopback_every_request_needs_the_token_and_on_loopback_the_host_must_be_loopback()
    {
        var (app, client) = await WorkbenchFixture.Serve(fixture.Workspace, o => o with { Host = "0.0.0.0" });
        await using var _ = app;
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        Assert.Equal(40, token.Length); // generated: nobody bound the network without one
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/workspace", Cancel)).StatusCode);
        client.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/workspace", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/workspace?token=" + new string('x', 40), Cancel)).StatusCode);
        var withQuery = await client.GetAsync("/api/workspace?token=" + token, Cancel);
        Assert.Equal(HttpStatusCode.OK, withQuery.StatusCode);
        Assert.Contains(withQuery.Headers.GetValues("Set-Cookie"), c => c.StartsWith(TokenGate.Cookie + "=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));

        var (local, localClient) = await WorkbenchFixture.Serve(fixture.Workspace);
        await using var __ = local;
        using var rebinding = new HttpRequestMessage(HttpMethod.Get, "/api/workspace");
        rebinding.Headers.Host = "evil.example";
        Assert.Equal(HttpStatusCode.Forbidden, (await localClient.SendAsync(rebinding, Cancel)).StatusCode);
    }

    [Fact]
    public async Task A_second_job_while_one_runs_gets_409_and_cancel_ends_it()
    {
        using var dir = new TempDir();
        var ws = fixture.Copy(dir);
        var (app, client) = await WorkbenchFixture.Serve(ws, o => o with { FineTuneSteps = 5000 });
        await using var _ = app;
        var c = (await WorkbenchFixture.Json<QueueResponse>(client, "/api/queue")).Candidates[0];
        (await client.PutAsJsonAsync($"/api/candidates/{c.Id}", new SaveRequest(0, "ada", [new RegionJson("tumour", Square(c.X, c.Y, 40))]), Submission.Json, Cancel)).EnsureSuccessStatusCode();
        var first = await client.PostAsync("/api/jobs", null, Cancel);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var second = await client.PostAsync("/api/jobs", null, Cancel);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("still running", await second.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        var id = (await first.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(Cancel))!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/api/jobs/{id}", Cancel)).StatusCode);
        var events = await client.GetStringAsync($"/api/jobs/{id}/events", Cancel); // replays, then ends with the job
        Assert.Contains("event: end", events, StringComparison.Ordinal);
        Assert.Contains("cancelled", events, StringComparison.Ordinal);
        using var workspace = LoopWorkspace.Open(ws);
        Assert.Single(workspace.Manifest.Versions); // nothing half-made was registered
    }

    [Fact]
    public async Task The_brush_merges_with_its_class_and_the_eraser_cuts_every_region()
    {
        var (app, client) = await WorkbenchFixture.Serve(fixture.Workspace);
        await using var _ = app;
        RegionJson[] regions = [new("tumour", Square(100, 100, 40)), new("benign", Square(300, 300, 40))];
        async Task<List<RegionJson>> Stroke(string kind, double[][] path, string cls = "tumour")
        {
            var answer = await client.PostAsJsonAsync($"/api/strokes/{kind}", new StrokeRequest(path, 5, regions, cls), Submission.Json, Cancel);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            return (await answer.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(Cancel))!["regions"].Deserialize<List<RegionJson>>(Submission.Json)!;
        }
        static double Area(RegionJson r) => Submission.Regions(new SaveRequest(0, null, [r]), ["background", "benign", "tumour"], 1000)[0].Geometry.Area;

        // A tumour stroke from inside the tumour square outwards: one tumour region, larger; benign untouched.
        var painted = await Stroke("brush", [[120, 120], [200, 120]]);
        Assert.Equal(["benign", "tumour"], painted.Select(r => r.Class).Order());
        Assert.True(Area(painted.Single(r => r.Class == "tumour")) > 1600 + (60 * 10 * 0.9));
        Assert.Equal(1600, Area(painted.Single(r => r.Class == "benign")), 6);
        // The eraser across the middle of both squares cuts each in two parts.
        var erased = await Stroke("eraser", [[90, 120], [350, 120], [350, 320], [290, 320]]);
        Assert.Equal(2, erased.Count);
        Assert.All(erased, r => Assert.Equal(2, r.Coordinates.Length));
        Assert.All(erased, r => Assert.True(Area(r) < 1600 - 300));
        var bad = await client.PostAsJsonAsync("/api/strokes/brush", new StrokeRequest([[1, 2]], -1, [], "tumour"), Submission.Json, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private static double[][][][] Square(double x, double y, double side) =>
        [[[[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]]];
}
