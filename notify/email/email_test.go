package email_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"vettingd/civil"
	"vettingd/notify"
	"vettingd/notify/email"
	"vettingd/notify/notifytest"
	"vettingd/store"
)

func message() notify.Message {
	return notify.Message{DeliveryID: "d2", Recipient: notify.MessageRecipient{Role: "supervisor"}, Items: []notify.Item{
		{ReviewID: 7, Kind: "revetting", EmployeeID: "E3", PersonName: "Cat Jones", DueOn: civil.MustParse("2026-12-01"), Overdue: true, Event: "escalation", URL: "http://v/reviews/7"},
	}}
}

func TestEmailGoesOverSTARTTLSWithTextAndHTML(t *testing.T) {
	srv := notifytest.NewSMTP(t)
	n, err := email.New(email.Config{URL: srv.URL("vettingd", "s3cret"), From: "vettingd@force.police.uk", VU: "vu@force.police.uk", CAFile: srv.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Address(store.Recipient{Role: "vetting_unit"}); got != "vu@force.police.uk" {
		t.Errorf("VU address %q", got)
	}
	to := n.Address(store.Recipient{Role: "supervisor", ID: "E1", Email: "ada@force.police.uk"})
	if _, err := n.Send(context.Background(), to, message()); err != nil {
		t.Fatal(err)
	}
	mails := srv.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	m := mails[0]
	if !m.TLS || m.Auth != "vettingd" || m.From != "vettingd@force.police.uk" || len(m.To) != 1 || m.To[0] != "ada@force.police.uk" {
		t.Errorf("mail %+v", m)
	}
	for _, want := range []string{"Subject: vettingd: 1 vetting item(s) for you, 1 overdue", "text/plain", "text/html", "X-Vettingd-Delivery: d2", "Cat Jones E3", "http://v/reviews/7"} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("mail lacks %q:\n%s", want, m.Data)
		}
	}
}

func TestEmailRefusedAddressIsPermanentAndADownServerIsNot(t *testing.T) {
	srv := notifytest.NewSMTP(t)
	srv.Refuse["gone@force.police.uk"] = true
	n, err := email.New(email.Config{URL: srv.URL("vettingd", "pw"), From: "vettingd@force.police.uk", CAFile: srv.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Send(context.Background(), "gone@force.police.uk", message()); !notify.IsPermanent(err) {
		t.Errorf("550: %v, want permanent", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	down, err := email.New(email.Config{URL: "smtp://" + addr, From: "vettingd@force.police.uk"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := down.Send(context.Background(), "ada@force.police.uk", message()); err == nil || notify.IsPermanent(err) {
		t.Errorf("server down: %v, want a transient error", err)
	}
}

func TestEmailRefusesAServerWithoutTrustedTLS(t *testing.T) {
	srv := notifytest.NewSMTP(t)
	n, err := email.New(email.Config{URL: srv.URL("vettingd", "pw"), From: "vettingd@force.police.uk"}) // no CA: the certificate is not trusted
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Send(context.Background(), "ada@force.police.uk", message()); err == nil {
		t.Error("sent to a server whose certificate is not trusted")
	}
	if len(srv.Mails()) != 0 {
		t.Error("the server received mail")
	}
}

func TestEmailConfigErrors(t *testing.T) {
	for _, c := range []email.Config{{URL: "http://x", From: "a@b"}, {URL: "smtp://", From: "a@b"}, {URL: "smtp://h:x", From: "a@b"}, {URL: "smtp://h:25"}} {
		if _, err := email.New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
