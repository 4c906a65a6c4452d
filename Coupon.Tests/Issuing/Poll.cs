namespace Coupon.Tests.Issuing;

public static class Poll
{
    // Reads until the value is done or the timeout passes; returns the last value read either way,
    // so the caller's assertions say what was wrong.
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            value = await read();
        }
        return value;
    }
}
