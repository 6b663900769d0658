using System.CommandLine;
using Uga.Server;

namespace Uga.Cli.Commands;

/// <summary>`uga serve`: the web workbench on a workspace, until Ctrl-C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var workspace = WorkspaceCommand.WorkspaceOption();
        var port = new Option<int>("--port") { Description = "TCP port (0: any free one)", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to listen on; anything but loopback requires a token (--token, or one is generated and printed once)", DefaultValueFactory = _ => "127.0.0.1" };
        var token = new Option<string?>("--token") { Description = "Token every request must carry (at least 16 characters)" };
        var threads = new Option<int>("--job-threads") { Description = "Torch threads of background fine-tuning, prediction and ranking", DefaultValueFactory = _ => 1 };
        var steps = new Option<int?>("--finetune-steps") { Description = "Steps of the background fine-tuning (default: the recipe's)" };
        var command = new Command("serve", "The web workbench: slides with the uncertainty overlay, the candidate queue, drawing, saving, and fine-tuning in the background")
        {
            workspace, port, host, token, threads, steps,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var options = new WorkbenchOptions
            {
                Workspace = parse.GetValue(workspace)!,
                Port = parse.GetValue(port),
                Host = parse.GetValue(host)!,
                Token = parse.GetValue(token),
                JobThreads = parse.GetValue(threads),
                FineTuneSteps = parse.GetValue(steps),
                Uga = UgaCommand.CurrentProcess(),
            }.Resolve();
            await using var app = WorkbenchApp.Create(options);
            await app.StartAsync(cancellation);
            var address = app.Urls.FirstOrDefault() ?? $"http://{options.Host}:{options.Port}";
            Console.WriteLine($"serving {Path.GetFullPath(options.Workspace)} at {address}/{(options.Token is { } t ? "?token=" + t : "")}");
            Console.WriteLine("Ctrl-C stops the server (a running background job is cancelled)");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
            }
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
