using System.CommandLine;
using Tessera.Cli.Commands;

// tessera: one command per job a user has; each lives in Commands/.
var root = new RootCommand("Tessera: federated and volunteer training on every kind of device")
{
    TrainCommand.Create(),
    CompileCommand.Create(),
    BenchCommand.Create(),
    DemoCommand.Create(),
    SimulateCommand.Create(),
    EstimateCommand.Create(),
    PlotCommand.Create(),
    PrivacyCommand.Create(),
    ServeCommand.Create(),
    WorkerCommand.Create(),
};
return root.Parse(args).Invoke();
