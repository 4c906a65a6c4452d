using Coupon.Admin.SignIn;
using Microsoft.Extensions.Time.Testing;

namespace Coupon.Tests.Admin;

public sealed class SignInThrottleTests
{
    private const string Stranger = "203.0.113.7";
    private const string Operator = "198.51.100.20";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void After_the_free_failures_each_further_failure_doubles_the_wait_up_to_the_maximum()
    {
        var throttle = new SignInThrottle(_time);

        for (var i = 0; i <= SignInThrottle.FreeFailuresPerUserName; i++)
            Assert.Equal(TimeSpan.Zero, throttle.Attempt(Stranger, "operator"));

        var expected = SignInThrottle.FirstWait;
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(expected, throttle.Attempt(Stranger, "operator"));
            _time.Advance(expected - TimeSpan.FromMilliseconds(1));
            Assert.Equal(TimeSpan.FromMilliseconds(1), throttle.Attempt(Stranger, "operator"));
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(TimeSpan.Zero, throttle.Attempt(Stranger, "operator"));
            expected = expected * 2 < SignInThrottle.MaxWait ? expected * 2 : SignInThrottle.MaxWait;
        }
        Assert.Equal(SignInThrottle.MaxWait, throttle.Attempt(Stranger, "operator"));
    }

    [Fact]
    public void A_strangers_failures_for_the_operator_or_unknown_names_never_slow_another_client()
    {
        var throttle = new SignInThrottle(_time);
        for (var i = 0; i < 50; i++)
        {
            throttle.Attempt(Stranger, "operator");
            throttle.Attempt(Stranger, $"unknown-{i % 3}");
        }
        Assert.True(throttle.Attempt(Stranger, "operator") > TimeSpan.Zero);

        Assert.Equal(TimeSpan.Zero, throttle.Attempt(Operator, "operator"));
    }

    [Fact]
    public void Rotating_user_names_from_one_client_meets_the_clients_own_budget()
    {
        var throttle = new SignInThrottle(_time);

        for (var i = 0; i <= SignInThrottle.FreeFailuresPerClient; i++)
            Assert.Equal(TimeSpan.Zero, throttle.Attempt(Stranger, $"name-{i}"));

        Assert.Equal(SignInThrottle.FirstWait, throttle.Attempt(Stranger, "yet-another-name"));
        Assert.Equal(TimeSpan.Zero, throttle.Attempt(Operator, "yet-another-name"));
    }

    [Fact]
    public void The_right_password_forgives_the_clients_failures()
    {
        var throttle = new SignInThrottle(_time);
        for (var i = 0; i <= SignInThrottle.FreeFailuresPerUserName; i++)
            throttle.Attempt(Operator, "operator");
        _time.Advance(SignInThrottle.FirstWait);
        Assert.Equal(TimeSpan.Zero, throttle.Attempt(Operator, "operator"));

        throttle.Succeeded(Operator, "operator");

        Assert.Equal(0, throttle.Count);
        for (var i = 0; i <= SignInThrottle.FreeFailuresPerUserName; i++)
            Assert.Equal(TimeSpan.Zero, throttle.Attempt(Operator, "operator"));
    }

    [Fact]
    public void Entries_are_capped_and_forgotten_after_a_quiet_while()
    {
        var throttle = new SignInThrottle(_time, capacity: 100);

        for (var i = 0; i < 1_000; i++)
            throttle.Attempt($"10.0.{i / 256}.{i % 256}", new string('x', 10_000));
        Assert.Equal(100, throttle.Count);

        _time.Advance(SignInThrottle.ForgetAfter);
        throttle.Attempt(Operator, "operator");
        Assert.Equal(2, throttle.Count);
    }

    [Fact]
    public void A_client_at_the_longest_wait_is_forgiven_only_after_a_quiet_while()
    {
        var throttle = new SignInThrottle(_time);
        TimeSpan wait;
        while ((wait = throttle.Attempt(Stranger, "operator")) < SignInThrottle.MaxWait)
            _time.Advance(wait);

        _time.Advance(SignInThrottle.MaxWait - TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.Attempt(Stranger, "operator"));

        _time.Advance(SignInThrottle.ForgetAfter);
        for (var i = 0; i <= SignInThrottle.FreeFailuresPerUserName; i++)
            Assert.Equal(TimeSpan.Zero, throttle.Attempt(Stranger, "operator"));
    }

    [Fact]
    public void A_browser_the_operator_signed_in_from_has_its_own_budget_apart_from_its_address()
    {
        var throttle = new SignInThrottle(_time);
        for (var i = 0; i <= SignInThrottle.FreeFailuresPerClient; i++)
            throttle.Attempt(Stranger, i % 2 == 0 ? "operator" : $"made-up-{i}");
        Assert.True(throttle.Attempt(Stranger, "operator") > TimeSpan.Zero);

        var device = SignInThrottle.DeviceClient("5F0E");
        Assert.Equal(TimeSpan.Zero, throttle.Attempt(device, "operator"));
        // Whoever guesses with a copy of the device cookie meets the same backoff.
        for (var i = 0; i < SignInThrottle.FreeFailuresPerUserName; i++)
            Assert.Equal(TimeSpan.Zero, throttle.Attempt(device, "operator"));
        Assert.Equal(SignInThrottle.FirstWait, throttle.Attempt(device, "operator"));
    }
}
