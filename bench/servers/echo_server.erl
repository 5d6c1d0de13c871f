#!/usr/bin/env escript
%% The Erlang original, as the bench's baseline: gen_tcp with {packet, 4},
%% {packet_size, 262144} and {active, once}; an acceptor that spawns the next
%% acceptor and becomes the connection's process; one process per connection
%% echoing each frame. It understands the bench control frames (see
%% bench/README.md): ~gc, ~broadcast (sent to every connection process as
%% {gs_to_connection, Frame}) and ~shutdown (timed until every connection
%% process is gone).
%%
%%   escript bench/servers/echo_server.erl
%%
%% One scheduler: the bench pins each server to one core.
%%! +S 1:1 +P 2000000 +Q 1000000
-mode(compile).

main(_) ->
    Options = [binary, {packet, 4}, {packet_size, 256 * 1024}, {reuseaddr, true}, {nodelay, true},
               {backlog, 999999}, {active, once}, {ip, {127, 0, 0, 1}}],
    {ok, Listen} = gen_tcp:listen(0, Options),
    {ok, Port} = inet:port(Listen),
    ets:new(connections, [named_table, public, set]),
    Main = self(),
    spawn(fun() -> acceptor(Listen, Main) end),
    io:format("listening on 127.0.0.1:~p pid=~s~n", [Port, os:getpid()]),
    receive
        {shutdown, Started} -> shutdown(Listen, Started)
    end.

acceptor(Listen, Main) ->
    case gen_tcp:accept(Listen) of
        {ok, Socket} ->
            spawn(fun() -> acceptor(Listen, Main) end),
            ets:insert(connections, {self()}),
            loop(Socket, Main);
        {error, closed} ->
            ok
    end.

loop(Socket, Main) ->
    receive
        {tcp, Socket, <<"~gc">> = Frame} ->
            [erlang:garbage_collect(P) || P <- processes()],
            gen_tcp:send(Socket, Frame),
            next(Socket, Main);
        {tcp, Socket, <<"~broadcast">> = Frame} ->
            ets:foldl(fun({Pid}, _) -> Pid ! {gs_to_connection, Frame}, ok end, ok, connections),
            next(Socket, Main);
        {tcp, Socket, <<"~shutdown">>} ->
            Main ! {shutdown, erlang:monotonic_time(microsecond)},
            next(Socket, Main);
        {tcp, Socket, Frame} ->
            gen_tcp:send(Socket, Frame),
            next(Socket, Main);
        {gs_to_connection, Frame} ->
            gen_tcp:send(Socket, Frame),
            loop(Socket, Main);
        stop ->
            gen_tcp:close(Socket),
            ets:delete(connections, self());
        {tcp_closed, Socket} ->
            ets:delete(connections, self());
        {tcp_error, Socket, _Reason} ->
            ets:delete(connections, self())
    end.

next(Socket, Main) ->
    inet:setopts(Socket, [{active, once}]),
    loop(Socket, Main).

shutdown(Listen, Started) ->
    gen_tcp:close(Listen),
    Pids = [Pid || {Pid} <- ets:tab2list(connections)],
    Refs = [erlang:monitor(process, Pid) || Pid <- Pids],
    [Pid ! stop || Pid <- Pids],
    [receive {'DOWN', Ref, process, _, _} -> ok end || Ref <- Refs],
    Ms = (erlang:monotonic_time(microsecond) - Started) / 1000,
    io:format("shutdown_ms=~.3f~n", [Ms]),
    halt(0).
