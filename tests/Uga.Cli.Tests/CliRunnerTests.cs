using System.CommandLine;
using Uga.Cli;
using Uga.Imaging;

namespace Uga.Cli.Tests;

public class CliRunnerTests
{
    [Fact]
    public void InvalidInputBecomesOneLineAndExitCodeTwo()
    {
        var root = new RootCommand("test");
        var command = new Command("boom");
        command.SetAction((Func<ParseResult, int>)(_ => throw new InvalidInputException("/data/slide.svs", "truncated file")));
        root.Subcommands.Add(command);

        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(CliRunner.UserError, CliRunner.Run(root, ["boom"]));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Equal("uga: error: /data/slide.svs: truncated file", error.ToString().TrimEnd());
    }

    [Fact]
    public void UnwrapFindsTheCauseInsideAggregates()
    {
        var cause = new InvalidInputException("f", "bad");
        Assert.Same(cause, CliRunner.Unwrap(new AggregateException(cause)));
    }
}
