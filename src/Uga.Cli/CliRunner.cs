using System.CommandLine;
using Uga.Imaging;

namespace Uga.Cli;

/// <summary>Runs the parsed command line and maps failures to a one-line message and an exit code.</summary>
public static class CliRunner
{
    public const int UserError = 2;
    public const int Interrupted = 130;

    public static int Run(RootCommand root, string[] args)
    {
        try
        {
            // Our own handler below turns bad input into one line; System.CommandLine's would print a stack trace.
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Unwrap(e) is InvalidInputException input)
        {
            Console.Error.WriteLine($"uga: error: {input.Message}");
            return UserError;
        }
        catch (Exception e) when (DiskFullException.IsNoSpace(Unwrap(e)))
        {
            // Any writer may meet a full disk; all write to temporary names first, so this is the whole story.
            Console.Error.WriteLine($"uga: error: {new DiskFullException(null).Message} ({InvalidInputException.OneLine(ImageFile.FirstLine(Unwrap(e).Message))})");
            return UserError;
        }
        catch (Exception e) when (Unwrap(e) is OperationCanceledException)
        {
            Console.Error.WriteLine("uga: interrupted; nothing was written under the final names");
            return Interrupted;
        }
    }

    /// <summary>The exception that explains a failure, looking through wrappers added by tasks and reflection.</summary>
    public static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException is not null)
            e = e.InnerException!;
        return e;
    }
}
