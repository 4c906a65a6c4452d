namespace Coupon.AppHost.Servers;

// What every local server needs from its owner: where to find programs, where output goes, and the
// ledger of started processes.
public sealed record ServerContext(string SearchPath, ResourceOutput Output, ProcessLedger? Ledger)
{
    public static ServerContext Quiet(ProcessLedger? ledger = null) =>
        new(ServerBinaries.DefaultSearchPath, (_, _) => { }, ledger);

    public ChildProcess Start(ChildProcessSpec spec) => ChildProcess.Start(spec, Output, Ledger);
}
