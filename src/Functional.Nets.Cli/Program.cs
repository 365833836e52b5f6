// fnets: the Functional.Nets command line. See FnetsCommand for the commands and exit codes.
using Functional.Nets.Cli;

// Rich output (colours, box-drawn tables) only on an interactive terminal; plain text when redirected
// or under CI, so logs stay readable and diffable.
var rich = !Console.IsOutputRedirected
    && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
    && Environment.GetEnvironmentVariable("TERM") is not "dumb";
return FnetsCommand.Run(args, Console.Out, Console.Error, rich);
